using System.Diagnostics;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The real exporter process (its Release build, <c>--players 0</c>: the game's manifests and subscribers, no players) over one backend,
/// offered one <see cref="Workload"/> over HTTP. Settled when every trigger recorded a final outcome for every
/// accepted event (and for the replies the workload causes), read from the exporter's own /metrics.
/// </summary>
internal sealed class ExporterTarget : ICapacityTarget
{
    private readonly ExporterReplicas _exporter;
    private readonly Workload _workload;
    private readonly EventPoster _poster;
    private long _sequence;
    private long _shortfall;
    private readonly System.Net.Http.Headers.AuthenticationHeaderValue? _authorization;

    private ExporterTarget(ExporterReplicas exporter, Workload workload, int concurrency, string? token)
    {
        _exporter = exporter;
        _workload = workload;
        _authorization = token is null ? null : new("Bearer", token);
        _poster = new EventPoster(concurrency);
    }

    /// <summary>Starts the exporter with the backend's <paramref name="backendArgs"/>; every request carries <paramref name="token"/> if given.</summary>
    public static async Task<ExporterTarget> StartAsync(IEnumerable<string> backendArgs, Workload workload, int concurrency, string? token = null)
    {
        var exporter = await ExporterReplicas.StartAsync(1, ["--players", "0", "--Logging:LogLevel:Default=Warning", .. backendArgs]);
        return new ExporterTarget(exporter, workload, concurrency, token);
    }

    public int ProcessId => _exporter.ProcessId(0);

    public long NextSequence(long count) => Interlocked.Add(ref _sequence, count) - count;

    public async ValueTask<string?> SendAsync(long n, CancellationToken cancellationToken)
    {
        using var request = _workload.Request(_exporter.Ingress(0), n);
        request.Headers.Authorization = _authorization;
        return await _poster.PostAsync(request, cancellationToken);
    }

    /// <summary>
    /// Waits for <c>accepted × outcomes per event</c> final outcomes. Gives up (null) past <paramref name="limit"/>
    /// or when the count stood still for 2 s short of it: then outcomes were lost (a reply that could not be
    /// re-ingested), and the shortfall is remembered so the next steps are counted from here.
    /// </summary>
    public async Task<TimeSpan?> SettleAsync(TimeSpan limit)
    {
        var expected = (_poster.Accepted * _workload.OutcomesPerEvent) - _shortfall;
        var start = Stopwatch.GetTimestamp();
        var (last, lastChange) = (-1.0, start);
        while (true)
        {
            // The neighbour trigger of the slow-neighbour runs is not counted: the capacity is the other triggers'.
            var outcomes = await _exporter.SumAsync("kn_eventing_deliveries_total") - await _exporter.SumAsync("kn_eventing_deliveries_total", ("kn_trigger_name", NeighbourSubscriber.Trigger));
            if (outcomes >= expected)
            {
                return Stopwatch.GetElapsedTime(start);
            }

            if (outcomes != last)
            {
                (last, lastChange) = (outcomes, Stopwatch.GetTimestamp());
            }
            else if (Stopwatch.GetElapsedTime(lastChange) > TimeSpan.FromSeconds(2))
            {
                _shortfall += (long)(expected - outcomes);
                return null;
            }

            if (Stopwatch.GetElapsedTime(start) > limit)
            {
                return null;
            }

            await Task.Delay(50); // polling the exporter's own count
        }
    }

    /// <summary>What the exporter printed (for a failure).</summary>
    public string Output => _exporter.Output;

    public async ValueTask DisposeAsync()
    {
        _poster.Dispose();
        await _exporter.DisposeAsync();
    }
}
