using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.AspNetCore.Builder;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The subscriber of the extra <c>neighbour</c> trigger in the slow-neighbour runs: Kestrel on 127.0.0.1 in
/// this process, answering 202 after <see cref="Delay"/> (zero: at once). A slow neighbour costs time, not CPU,
/// so comparing the other triggers' capacity beside a slow and beside an instant neighbour shows whether
/// one slow trigger holds the others back.
/// </summary>
internal sealed class NeighbourSubscriber : IAsyncDisposable
{
    /// <summary>The extra trigger's name.</summary>
    public const string Trigger = "neighbour";

    private readonly WebApplication _app;

    private NeighbourSubscriber(WebApplication app, string url, TimeSpan delay)
    {
        _app = app;
        Url = url;
        Delay = delay;
    }

    public string Url { get; }

    public TimeSpan Delay { get; }

    public static async Task<NeighbourSubscriber> StartAsync(TimeSpan delay)
    {
        var port = FreePorts.Take(1)[0];
        var app = AcceptingServer.Build(port, "/", delay);
        await app.StartAsync();
        return new NeighbourSubscriber(app, $"http://127.0.0.1:{port}/", delay);
    }

    /// <summary>
    /// The exporter's arguments for the extra trigger: the one-dispatch events also go to this subscriber,
    /// with <paramref name="parallelism"/> deliveries at once (null: the backend's rule, Kafka's partition order).
    /// </summary>
    public string[] TriggerArgs(int? parallelism)
    {
        const string Key = "--Broker:Triggers:0:";
        string[] args = [
            Key + "Name", Trigger, Key + "Namespace", "demo", Key + "Broker", "default",
            Key + "Filter:Attributes:type", Workload.OneDispatch.Type, Key + "Subscriber", Url,
            Key + "Delivery:Retry", "0", Key + "Delivery:Timeout", "PT10S",
        ];
        return parallelism is { } p ? [.. args, Key + "Parallelism", p.ToString(System.Globalization.CultureInfo.InvariantCulture)] : args;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
