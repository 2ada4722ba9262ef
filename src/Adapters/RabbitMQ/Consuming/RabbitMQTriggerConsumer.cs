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
            new CreateChannelOptions(
                publisherConfirmationsEnabled: false,
                publisherConfirmationTrackingEnabled: false,
                consumerDispatchConcurrency: options.Parallelism),
            cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, options.Parallelism, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new RabbitMQTriggerConsumer(
            channel,
            connection,
            trigger,
            queue,
            handler,
            metrics,
            instrumentation,
            options,
            logger ?? NullLogger.Instance);
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
}
