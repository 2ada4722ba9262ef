using System.Diagnostics;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.CloudEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// Consumes a trigger's queue and measures it: each message is decoded with the CloudEvents AMQP binding
/// and handed to the implementer's handler with a <see cref="DeliveryScope"/>; a message that is not a
/// valid CloudEvent is counted in <c>kn.eventing.events.invalid</c>, offered to
/// <see cref="RabbitMQConsumerOptions.OnInvalidMessage"/> and acknowledged past (the rule of
/// <see cref="KnativeEventingMetrics.RecordInvalidMessage"/>); the handler filters and delivers (reporting attempts) and returns
/// the final outcome, which is counted in <c>kn.eventing.deliveries</c>; only then is the message
/// acknowledged. A handler that throws gets its message requeued (nothing accepted is lost) and the
/// failure counted in <c>messaging.process.duration</c>. Prefetch and handler concurrency equal
/// <see cref="RabbitMQConsumerOptions.Parallelism"/>. Consumers survive connection loss through
/// RabbitMQ.Client's automatic recovery.
/// </summary>
public sealed partial class RabbitMQTriggerConsumer : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly TriggerRef _trigger;
    private readonly string _queue;
    private readonly Func<RabbitMQDelivery, CancellationToken, Task<DeliveryOutcome>> _handler;
    private readonly KnativeEventingMetrics _metrics;
    private readonly RabbitMQInstrumentation _instrumentation;
    private readonly RabbitMQConsumerOptions _options;
    private readonly RabbitMQEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly AsyncEventingBasicConsumer _consumer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _consumeGate = new(1, 1);
    private readonly TriggerConsumerHealth _health;
    private readonly InvalidMessagePolicy<BasicDeliverEventArgs> _invalidMessages;
    private readonly IConnection _connection;
    private string? _consumerTag;
    private volatile bool _cancelling;
    private bool _paused;
    private int _consumingAgain; // 1 while ConsumeAgainAsync runs: it reports the outcome itself
    private int _inFlight;
    private TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RabbitMQTriggerConsumer(
        IChannel channel,
        IConnection connection,
        TriggerRef trigger,
        string queue,
        Func<RabbitMQDelivery, CancellationToken, Task<DeliveryOutcome>> handler,
        KnativeEventingMetrics metrics,
        RabbitMQInstrumentation instrumentation,
        RabbitMQConsumerOptions options,
        ILogger logger)
    {
        _channel = channel;
        _trigger = trigger;
        _queue = queue;
        _handler = handler;
        _metrics = metrics;
        _instrumentation = instrumentation;
        _options = options;
        _logger = logger;
        _invalidMessages = new(metrics, trigger, options.OnInvalidMessage, logger, $"Queue {queue}");
        _endpoint = new RabbitMQEndpoint(connection);
        _consumer = new AsyncEventingBasicConsumer(channel);
        _connection = connection;
        _health = metrics.RegisterConsumer(trigger);
        _consumer.ReceivedAsync += OnReceivedAsync;
        _consumer.UnregisteredAsync += OnUnregisteredAsync;
        _channel.ChannelShutdownAsync += OnChannelShutdownAsync;
        _connection.RecoverySucceededAsync += OnRecoveredAsync;
        _drained.SetResult();
    }

    /// <summary>The queue consumed.</summary>
    public string Queue => _queue;

    /// <summary>Messages delivered to this consumer and not yet acknowledged (handlers in flight).</summary>
    public int Unacknowledged => Volatile.Read(ref _inFlight);

    /// <summary>This consumer's state as <c>kn.eventing.trigger.consumers</c> reports it.</summary>
    public ConsumerState State => _health.State;

    /// <summary>Whether consuming is paused (<see cref="PauseAsync"/>).</summary>
    public bool IsPaused => Volatile.Read(ref _paused);

    /// <summary>Opens a channel on <paramref name="connection"/> and starts consuming the trigger's queue.</summary>
    /// <param name="connection">An open connection (automatic recovery enabled, the default).</param>
    /// <param name="trigger">The trigger whose queue this is.</param>
    /// <param name="handler">Filters and delivers one event, reporting through the delivery's scope; returns the final outcome.</param>
    /// <param name="metrics">The uniform instruments.</param>
    /// <param name="instrumentation">The RabbitMQ transport instruments.</param>
    /// <param name="options">Options (the queue, parallelism, decoding, …); defaults when null.</param>
    /// <param name="logger">Diagnostics; null for none.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running consumer; dispose it to stop (in-flight handlers are drained first).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Parallelism is 0 or the drain timeout is negative.</exception>
    public static async Task<RabbitMQTriggerConsumer> StartAsync(
        IConnection connection,
        TriggerRef trigger,
        Func<RabbitMQDelivery, CancellationToken, Task<DeliveryOutcome>> handler,
        KnativeEventingMetrics metrics,
        RabbitMQInstrumentation instrumentation,
        RabbitMQConsumerOptions? options = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(instrumentation);
        options ??= new RabbitMQConsumerOptions();
        ArgumentOutOfRangeException.ThrowIfZero(options.Parallelism, nameof(options.Parallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DrainTimeout, TimeSpan.Zero, nameof(options.DrainTimeout));
        ArgumentNullException.ThrowIfNull(options.Formatter, nameof(options.Formatter));
        var queue = options.Queue ?? RabbitMQNames.Queue(trigger);

        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: options.Parallelism),
            cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, options.Parallelism, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new RabbitMQTriggerConsumer(channel, connection, trigger, queue, handler, metrics, instrumentation, options, logger ?? NullLogger.Instance);
        await consumer.ResumeAsync(cancellationToken).ConfigureAwait(false);
        return consumer;
    }

    /// <summary>Stops receiving new messages (handlers in flight finish); the queue keeps them.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the broker cancelled the consumer.</returns>
    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        await _consumeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _paused, true);
            if (_consumerTag is { } tag)
            {
                _cancelling = true;
                try
                {
                    await _channel.BasicCancelAsync(tag, noWait: false, cancellationToken).ConfigureAwait(false);
                    Volatile.Write(ref _consumerTag, null);
                }
                finally
                {
                    _cancelling = false;
                }
            }
        }
        finally
        {
            _consumeGate.Release();
        }
    }

    /// <summary>Starts (again) receiving messages.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the broker registered the consumer.</returns>
    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        await _consumeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _paused, false);
            if (_consumerTag is null)
            {
                var tag = await _channel.BasicConsumeAsync(_queue, autoAck: false, _consumer, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _consumerTag, tag);
                _health.MarkRunning();
            }
        }
        finally
        {
            _consumeGate.Release();
        }
    }

    /// <summary>Stops consuming, waits (up to the drain timeout) for handlers in flight, and closes the channel.</summary>
    /// <returns>A task that completes when the consumer stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await PauseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogStopFailed(_logger, _queue, ex);
        }

        if (Volatile.Read(ref _inFlight) > 0)
        {
            await Task.WhenAny(Volatile.Read(ref _drained).Task, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _channel.ChannelShutdownAsync -= OnChannelShutdownAsync;
        _consumer.UnregisteredAsync -= OnUnregisteredAsync;
        _connection.RecoverySucceededAsync -= OnRecoveredAsync;
        _health.Dispose();
        try
        {
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The channel of a lost connection is already closed; the broker requeues unacknowledged messages.
        }

        _channel.Dispose();
        _stopping.Dispose();
    }

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs message)
    {
        if (Interlocked.Increment(ref _inFlight) == 1)
        {
            Interlocked.Exchange(ref _drained, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        var start = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            _instrumentation.RecordConsumed(_endpoint, _queue, message.Redelivered);
            CloudEvent cloudEvent;
            try
            {
                var properties = message.BasicProperties;
                cloudEvent = AmqpCloudEventBinding.Decode(properties.Headers, properties.ContentType, message.Body, _options.Formatter, _options.ExtensionAttributes);
            }
            catch (InvalidCloudEventException invalid)
            {
                // The one rule for every broker (InvalidMessagePolicy): counted, no outcome, settled past unless the callback threw.
                errorType = ErrorTypes.InvalidCloudEvent;
                if (!_invalidMessages.Settle(message, invalid, $"delivery tag {message.DeliveryTag}"))
                {
                    await _channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                await _channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            var scope = _metrics.BeginDelivery(_trigger, cloudEvent);
            DeliveryOutcome outcome;
            try
            {
                outcome = await _handler(new RabbitMQDelivery(message, cloudEvent, scope), _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errorType = ErrorTypes.FromException(ex);
                LogHandlerFailed(_logger, _trigger.ToString(), ex);
                await _channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: _options.RequeueOnHandlerFailure, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            scope.Complete(outcome);
            await _channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Ack or nack failed (channel or connection lost): the broker redelivers the message.
            errorType ??= RabbitMQErrorTypes.Classify(ex, timedOut: false);
            LogAckFailed(_logger, _queue, ex);
        }
        finally
        {
            _instrumentation.RecordProcess(_endpoint, _queue, Stopwatch.GetElapsedTime(start), errorType);
            if (Interlocked.Decrement(ref _inFlight) == 0)
            {
                Volatile.Read(ref _drained).TrySetResult();
            }
        }
    }

    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs e)
    {
        _instrumentation.RecordChannelShutdown(_endpoint, e.Initiator);
        // A connection loss is not a failure: automatic recovery reopens the channel and the consumer (the
        // backend is unready meanwhile, and a restart would not reconnect sooner). A channel closed by a channel
        // error while its connection stays open is not recovered, and the trigger gets nothing until a restart.
        if (e.Initiator != ShutdownInitiator.Application && !_stopping.IsCancellationRequested && _connection.IsOpen && Volatile.Read(ref _consumingAgain) == 0)
        {
            _health.MarkFailed(null, $"channel closed by the {e.Initiator.ToString().ToLowerInvariant()}: {e.ReplyCode} {e.ReplyText}");
        }

        return Task.CompletedTask;
    }

    private Task OnUnregisteredAsync(object sender, ConsumerEventArgs e)
    {
        if (!_cancelling && !_stopping.IsCancellationRequested)
        {
            // RabbitMQ cancelled the consumer: its queue was deleted, or the node holding it is going away.
            // Consuming again tells which: it works when the queue is served again (another leader), fails on a
            // deleted queue (the consumer has failed), and fails with the connection when the node goes (a
            // connection loss, which recovery heals: OnRecoveredAsync consumes again).
            Volatile.Write(ref _consumerTag, null);
            LogCancelledByServer(_logger, _queue);
            _ = Task.Run(() => ConsumeAgainAsync($"RabbitMQ cancelled the consumer of queue '{_queue}' (queue deleted or its node lost)"));
        }

        return Task.CompletedTask;
    }

    private async Task OnRecoveredAsync(object sender, AsyncEventArgs e)
    {
        if (!_channel.IsOpen)
        {
            return;
        }

        if (Volatile.Read(ref _consumerTag) is not null)
        {
            _health.MarkRunning();
        }
        else
        {
            // Cancelled by the server before the connection was lost: recovery does not bring that consumer back.
            await ConsumeAgainAsync($"RabbitMQ cancelled the consumer of queue '{_queue}' and consuming again after recovery failed").ConfigureAwait(false);
        }
    }

    /// <summary>Registers the consumer again after a server cancel (unless paused or stopping); never throws.</summary>
    private async Task ConsumeAgainAsync(string failure)
    {
        try
        {
            await _consumeGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Volatile.Write(ref _consumingAgain, 1);
        try
        {
            if (Volatile.Read(ref _paused) || _stopping.IsCancellationRequested || Volatile.Read(ref _consumerTag) is not null)
            {
                return;
            }

            var tag = await _channel.BasicConsumeAsync(_queue, autoAck: false, _consumer, _stopping.Token).ConfigureAwait(false);
            Volatile.Write(ref _consumerTag, tag);
            _health.MarkRunning();
        }
        catch (Exception) when (!_connection.IsOpen || _stopping.IsCancellationRequested)
        {
            // The connection went with the node (recovery consumes again), or the consumer is stopping.
        }
        catch (Exception ex)
        {
            _health.MarkFailed(ex, failure);
        }
        finally
        {
            Volatile.Write(ref _consumingAgain, 0);
            _consumeGate.Release();
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "The handler of trigger {Trigger} failed; the message is returned to the queue")]
    private static partial void LogHandlerFailed(ILogger logger, string trigger, Exception exception);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Acknowledging a message of queue {Queue} failed; RabbitMQ will deliver it again")]
    private static partial void LogAckFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "RabbitMQ cancelled the consumer of queue {Queue} (queue deleted or its node lost); the trigger receives nothing until the exporter restarts")]
    private static partial void LogCancelledByServer(ILogger logger, string queue);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Stopping the consumer of queue {Queue} failed")]
    private static partial void LogStopFailed(ILogger logger, string queue, Exception exception);
}
