using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.Extensions.Hosting;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The embedded backend's floor: Kestrel in its own process answering 202 after reading the body, nothing
/// else (<c>Knative.Eventing.Metrics.Benchmarks kestrel-floor PORT</c>; the capacity suite starts and stops it).
/// </summary>
internal sealed class KestrelFloor : ICapacityTarget
{
    /// <summary>The command that runs the floor server.</summary>
    public const string Name = "kestrel-floor";

    private readonly ChildProcess _process;
    private readonly string _url;
    private readonly Workload _workload;
    private readonly EventPoster _poster;
    private long _sequence;

    private KestrelFloor(ChildProcess process, int port, Workload workload, int concurrency)
    {
        _process = process;
        _url = $"http://127.0.0.1:{port}/demo/default";
        _workload = workload;
        _poster = new EventPoster(concurrency);
    }

    /// <summary>The floor server's process body: listens on 127.0.0.1:<c>args[0]</c> until stopped.</summary>
    public static async Task RunAsync(string[] args)
    {
        var app = AcceptingServer.Build(int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture), "/{namespace}/{broker}", TimeSpan.Zero);
        await app.StartAsync();
        Console.WriteLine("kestrel floor listening");
        await app.WaitForShutdownAsync();
    }

    /// <summary>Starts the floor server (this program, in its own process) on a free port.</summary>
    public static async Task<KestrelFloor> StartAsync(Workload workload, int concurrency)
    {
        var port = FreePorts.Take(1)[0];
        var process = ChildProcess.Start("dotnet", [typeof(KestrelFloor).Assembly.Location, Name, port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await process.WaitForLineAsync(new System.Text.RegularExpressions.Regex("kestrel floor listening"), TimeSpan.FromSeconds(30));
        return new KestrelFloor(process, port, workload, concurrency);
    }

    public int ProcessId => _process.Id;

    public long NextSequence(long count) => Interlocked.Add(ref _sequence, count) - count;

    public async ValueTask<string?> SendAsync(long n, CancellationToken cancellationToken)
    {
        using var request = _workload.Request(_url, n);
        return await _poster.PostAsync(request, cancellationToken);
    }

    /// <summary>Nothing to deliver.</summary>
    public Task<TimeSpan?> SettleAsync(TimeSpan limit) => Task.FromResult<TimeSpan?>(TimeSpan.Zero);

    public async ValueTask DisposeAsync()
    {
        _poster.Dispose();
        await _process.DisposeAsync();
    }
}
