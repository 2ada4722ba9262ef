using RabbitMQ.Client;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// The backlog source of a trigger queue for <c>kn.eventing.backlog</c>: messages ready in the queue
/// (a passive queue declare on a dedicated channel; broker-wide, every replica reads the same) and the
/// messages the local consumer holds unacknowledged (this replica's part; other replicas' unacknowledged
/// messages are not visible on a channel). Read by the core's background refresher, never on the scrape path.
/// </summary>
public sealed class RabbitMQTriggerBacklog : IDisposable
{
    private readonly IConnection _connection;
    private readonly string _queue;
    private readonly Func<long>? _unacknowledged;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IDisposable _registration;
    private IChannel? _channel;
    private bool _disposed;

    private RabbitMQTriggerBacklog(
        KnativeEventingMetrics metrics,
        TriggerRef trigger,
        IConnection connection,
        string queue,
        Func<long>? unacknowledged)
    {
        _connection = connection;
        _queue = queue;
        _unacknowledged = unacknowledged;
        _registration = metrics.RegisterBacklogSource(trigger, ReadAsync);
    }

    /// <summary>Registers the backlog of a trigger queue consumed by <paramref name="consumer"/> (its unacknowledged messages count too).</summary>
    /// <param name="metrics">The uniform instruments.</param>
    /// <param name="connection">The connection to read queue depth on (a channel of its own is opened).</param>
    /// <param name="consumer">The trigger's consumer.</param>
    /// <param name="trigger">The trigger.</param>
    /// <returns>The registration; dispose it to stop reporting and close its channel.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The trigger already has a backlog source.</exception>
    public static RabbitMQTriggerBacklog Register(
        KnativeEventingMetrics metrics,
        IConnection connection,
        RabbitMQTriggerConsumer consumer,
        TriggerRef trigger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(trigger);
        return new RabbitMQTriggerBacklog(metrics, trigger, connection, consumer.Queue, () => consumer.Unacknowledged);
    }

    /// <summary>
    /// Registers the backlog of a queue that no local consumer reads (or whose consumers run elsewhere):
    /// ready messages only, since unacknowledged ones of remote consumers are not visible on a channel.
    /// </summary>
    /// <param name="metrics">The uniform instruments.</param>
    /// <param name="connection">The connection to read queue depth on.</param>
    /// <param name="queue">The trigger's queue.</param>
    /// <param name="trigger">The trigger.</param>
    /// <returns>The registration; dispose it to stop reporting.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The trigger already has a backlog source.</exception>
    public static RabbitMQTriggerBacklog Register(KnativeEventingMetrics metrics, IConnection connection, string queue, TriggerRef trigger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentNullException.ThrowIfNull(trigger);
        return new RabbitMQTriggerBacklog(metrics, trigger, connection, queue, null);
    }

    /// <summary>Stops reporting and closes the channel.</summary>
    public void Dispose()
    {
        _registration.Dispose();
        _gate.Wait();
        try
        {
            _disposed = true;
            _channel?.Dispose();
            _channel = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<BacklogReading> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_channel is not { IsOpen: true })
            {
                _channel?.Dispose();
                _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            try
            {
                var ok = await _channel.QueueDeclarePassiveAsync(_queue, cancellationToken).ConfigureAwait(false);
                return new BacklogReading(ok.MessageCount, _unacknowledged?.Invoke() ?? 0);
            }
            catch
            {
                // A failed passive declare (e.g. queue not found) closes the channel; open a new one next time.
                _channel.Dispose();
                _channel = null;
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
