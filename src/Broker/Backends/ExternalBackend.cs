using Knative.Eventing.Metrics.Broker.Publishing;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Model;

namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>
/// What the RabbitMQ and Kafka backends share: trigger consumers drained on shutdown (bounded), then
/// backlog registrations and health monitors, then the backend's own clients.
/// </summary>
internal abstract partial class ExternalBackend(ILogger logger) : IEventBackend
{
    /// <summary>The backend's logger.</summary>
    protected ILogger Logger { get; } = logger;

    /// <summary>The trigger consumers, disposed first (each drains its in-flight deliveries).</summary>
    protected List<IAsyncDisposable> Consumers { get; } = [];

    /// <summary>Backlog registrations and monitors, disposed after the consumers.</summary>
    protected List<IDisposable> Disposables { get; } = [];

    public abstract string? UnavailableReason { get; }

    public abstract Task StartAsync(Topology model, DispatchEvent dispatch, CancellationToken cancellationToken);

    public abstract Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// Stops every consumer: each stops taking messages, waits up to <paramref name="timeout"/> for its
    /// deliveries in flight, then cancels them; a cancelled delivery is not acknowledged, so the broker keeps
    /// it for the next consumer. Never throws: a consumer that does not stop in time is logged and left.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var consumers = Consumers.ToList();
        Consumers.Clear();
        var stopped = Task.WhenAll(consumers.Select(c => StopQuietlyAsync(c)));
        // The consumers' own drain timeout is this one; the margin covers cancelling and closing.
        if (await Task.WhenAny(stopped, Task.Delay(timeout + StopMargin)).ConfigureAwait(false) != stopped)
        {
            LogNotStopped(Logger, timeout + StopMargin);
        }
    }

    /// <summary>How long past the drain timeout stopping may take to cancel deliveries and close channels.</summary>
    public static TimeSpan StopMargin { get; } = TimeSpan.FromSeconds(3);

    private async Task StopQuietlyAsync(IAsyncDisposable consumer)
    {
        try
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogStopFailed(Logger, ex);
        }
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

    /// <summary>
    /// Stores <paramref name="events"/> one after another with the adapter's <paramref name="publish"/>; the adapter's
    /// refusal (<typeparamref name="TRefusal"/>, already counted) becomes a <see cref="PublishRejectedException"/>.
    /// </summary>
    protected static async Task PublishEachAsync<TRefusal>(
        IReadOnlyList<CloudEvent> events, Func<CloudEvent, Task> publish, Func<TRefusal, string> errorType)
        where TRefusal : Exception
    {
        foreach (var cloudEvent in events)
        {
            try
            {
                await publish(cloudEvent).ConfigureAwait(false);
            }
            catch (TRefusal ex)
            {
                throw new PublishRejectedException(errorType(ex), ex.Message, ex);
            }
        }
    }

    /// <summary>Closes the backend's own clients (publishers, producers, connections).</summary>
    protected abstract ValueTask DisposeClientsAsync();

    [LoggerMessage(
        EventId = 410,
        Level = LogLevel.Warning,
        Message = "Trigger consumers did not stop within {Waited}; their unacknowledged messages stay in the broker")]
    private static partial void LogNotStopped(ILogger logger, TimeSpan waited);

    [LoggerMessage(
        EventId = 411,
        Level = LogLevel.Warning,
        Message = "A trigger consumer failed while stopping; its unacknowledged messages stay in the broker")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);
}
