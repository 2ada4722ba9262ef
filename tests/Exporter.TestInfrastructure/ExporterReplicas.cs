using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.TestInfrastructure;

/// <summary>
/// N exporter processes (the real executable) against one backend, each on its own 127.0.0.1 ingress and
/// metrics ports, like the replicas of a Deployment behind one Service. Producers spread their requests over
/// the ingresses of the replicas that run (<see cref="NextIngress"/>, as a Service routes to ready pods);
/// a replica can be killed (SIGKILL) and started again on the same ports. Disposing stops them all.
/// </summary>
public sealed class ExporterReplicas : IAsyncDisposable
{
    private readonly string[] _args;
    private readonly (int Ingress, int Metrics)[] _ports;
    private readonly ChildProcess?[] _processes;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private long _next;

    private ExporterReplicas(string[] args, int count)
    {
        _args = args;
        var ports = FreePorts.Take(2 * count);
        _ports = [.. Enumerable.Range(0, count).Select(i => (ports[2 * i], ports[(2 * i) + 1]))];
        _processes = new ChildProcess?[count];
    }

    /// <summary>How many replicas.</summary>
    public int Count => _ports.Length;

    /// <summary>The scrape targets (host:port) of every replica, for Prometheus.</summary>
    public IReadOnlyList<string> Targets => [.. _ports.Select(p => $"127.0.0.1:{p.Metrics}")];

    /// <summary>Starts <paramref name="count"/> replicas with the same <paramref name="args"/> (one at a time: they declare the same resources).</summary>
    public static async Task<ExporterReplicas> StartAsync(int count, IEnumerable<string> args)
    {
        var replicas = new ExporterReplicas([.. args], count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await replicas.StartAsync(i);
            }

            return replicas;
        }
        catch
        {
            await replicas.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether a replica's process runs.</summary>
    public bool IsRunning(int replica) => _processes[replica] is { HasExited: false };

    /// <summary>The process id of a running replica (0 when it does not run).</summary>
    public int ProcessId(int replica) => _processes[replica] is { HasExited: false } process ? process.Id : 0;

    /// <summary>The broker ingress (<c>/demo/default</c>) of a replica.</summary>
    public string Ingress(int replica) => $"http://127.0.0.1:{_ports[replica].Ingress}/demo/default";

    /// <summary>The authority (host:port) of a replica's ingress, as <see cref="AcceptedByReplica"/> counts it.</summary>
    public string IngressAuthority(int replica) => $"127.0.0.1:{_ports[replica].Ingress}";

    /// <summary>The next running replica's ingress, round robin (a killed replica gets no new requests, as an unready pod).</summary>
    public string NextIngress()
    {
        for (var tries = 0; tries < Count; tries++)
        {
            var replica = (int)(Interlocked.Increment(ref _next) % Count);
            if (IsRunning(replica))
            {
                return Ingress(replica);
            }
        }

        return Ingress(0); // none runs: the request fails and the producer retries
    }

    /// <summary>SIGKILLs a replica (no drain, no ack or commit of what it holds).</summary>
    /// <returns>What it printed before it died (its <see cref="OutputOf"/> is empty from now on).</returns>
    public async Task<string> KillAsync(int replica)
    {
        if (_processes[replica] is not { } process)
        {
            return string.Empty;
        }

        await process.KillAsync();
        var output = process.Output;
        await process.DisposeAsync();
        _processes[replica] = null;
        return output;
    }

    /// <summary>The lines of <paramref name="output"/> about consumer groups (assignments, revocations, failing commits), for a test's log.</summary>
    public static string ConsumerGroupLines(string output) =>
        string.Join("\n", output.Split('\n').Where(line => line.Contains("Consumer group ", StringComparison.Ordinal) || line.StartsWith("--- replica", StringComparison.Ordinal)).Select(line => line.TrimEnd()));

    /// <summary>Starts a (killed) replica again on its ports and waits until its ingress listens.</summary>
    public async Task StartAsync(int replica)
    {
        var (ingress, metrics) = _ports[replica];
        _processes[replica] = await ExporterBuildOutput.StartListeningAsync(
            ["--ingress-url", $"http://127.0.0.1:{ingress}", "--metrics-url", $"http://127.0.0.1:{metrics}", .. _args]);
    }

    /// <summary>Scrapes a running replica.</summary>
    public async Task<PrometheusText> ScrapeAsync(int replica) =>
        PrometheusText.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_ports[replica].Metrics}/metrics"));

    /// <summary>Scrapes every running replica.</summary>
    public async Task<IReadOnlyList<PrometheusText>> ScrapeAllAsync() =>
        await Task.WhenAll(Enumerable.Range(0, Count).Where(IsRunning).Select(ScrapeAsync));

    /// <summary>Σ over the running replicas of a series (the fleet's figure).</summary>
    public async Task<double> SumAsync(string name, params (string Key, string Value)[] labels) =>
        (await ScrapeAllAsync()).Sum(s => s.Sum(name, labels));

    /// <summary>What a running replica printed so far (empty for one that is not running).</summary>
    public string OutputOf(int replica) => _processes[replica]?.Output ?? string.Empty;

    /// <summary>What every replica printed, for a failure message.</summary>
    public string Output => string.Join("\n", _processes.Select((p, i) => $"--- replica {i} ---\n{p?.Output}"));

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        foreach (var process in _processes)
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
    }
}
