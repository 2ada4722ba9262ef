using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Exporter.Broker;

/// <summary>
/// What the RabbitMQ and Kafka backends share: trigger consumers drained on shutdown (bounded), then
/// backlog registrations and health monitors, then the backend's own clients.
/// </summary>
public abstract class AdapterBackend : IEventBackend
{
    /// <summary>The trigger consumers, disposed first (each drains its in-flight deliveries).</summary>
    protected List<IAsyncDisposable> Consumers { get; } = [];

    /// <summary>Backlog registrations and monitors, disposed after the consumers.</summary>
    protected List<IDisposable> Disposables { get; } = [];

    public abstract Task StartAsync(BrokerModel model, DispatchEvent dispatch, CancellationToken cancellationToken);

    public abstract Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken);

    public async Task DrainAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var consumers = Consumers.ToList();
        Consumers.Clear();
        await Task.WhenAll(consumers.Select(c => c.DisposeAsync().AsTask())).WaitAsync(deadline.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var consumer in Consumers)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        Consumers.Clear();
        Disposables.ForEach(d => d.Dispose());
        Disposables.Clear();
        await DisposeClientsAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the backend's own clients (publishers, producers, connections).</summary>
    protected abstract ValueTask DisposeClientsAsync();
}
