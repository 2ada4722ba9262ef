namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>The rules of a capacity run (the command line sets them; the defaults are the issue's).</summary>
internal sealed record CapacitySettings
{
    /// <summary>Operations in flight at most, like wrk's connections (16; one load thread).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>
    /// Which exporter runs per workload (<c>--tracing</c>): <c>default</c> (spans and exemplars as shipped), <c>off</c>
    /// (<c>--Exporter:Tracing false</c>), or <c>both</c>, one after the other.
    /// </summary>
    public string Tracing { get; init; } = "default";

    /// <summary>
    /// Sender authentication (<c>--auth</c>): <c>off</c> (as shipped), <c>on</c> (<c>--oidc-issuer</c> with a test issuer in this
    /// process; every request carries a JWT the ingress checks), or <c>both</c>, one after the other.
    /// </summary>
    public string Auth { get; init; } = "off";

    /// <summary>The bearer token every request carries (with <see cref="Auth"/> on), else null.</summary>
    public string? Token { get; init; }

    /// <summary>Whether each workload's floor is measured beside the exporter (off: <c>--no-floor</c>).</summary>
    public bool Floors { get; init; } = true;

    /// <summary>The latency bound a sustained rate keeps (p99, ms from when each event was due).</summary>
    public double P99BoundMs { get; init; } = 100;

    /// <summary>How long a probe step lasts while the knee is searched.</summary>
    public TimeSpan Probe { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the best probed rate must then hold (the issue: 30 s).</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After a step, everything accepted must reach its triggers within this.</summary>
    public TimeSpan DrainBound { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>An operation that waited this long stops its step (far past any bound).</summary>
    public TimeSpan AbortAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The first rate probed (events/s); each passing probe multiplies it by <see cref="Growth"/>.</summary>
    public double StartRate { get; init; } = 500;

    /// <summary>No rate below this is probed or held (events/s): a workload that cannot sustain it reports none.</summary>
    public double MinRate { get; init; } = 20;

    /// <summary>Factor between probes until the first failure; then the gap is halved <see cref="Refinements"/> times.</summary>
    public double Growth { get; init; } = 1.6;

    /// <summary>Bisections between the last sustained and the first failed probe.</summary>
    public int Refinements { get; init; } = 3;

    /// <summary>No rate above this is offered (a sender on the same two cores cannot offer much more).</summary>
    public double MaxRate { get; init; } = 60_000;
}
