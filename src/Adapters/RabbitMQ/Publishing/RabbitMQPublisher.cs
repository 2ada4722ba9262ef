using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// Publishes a broker's events to its RabbitMQ exchange with publisher confirms and measures it: a
/// publish returns only once the broker confirmed it, and throws <see cref="RabbitMQPublishException"/>
/// when the broker nacked it, could not route it, did not confirm in time or the connection was lost;
/// each outcome is recorded in <c>kn.eventing.ingress.duration</c> and the transport instruments.
/// Thread-safe; reconnects through RabbitMQ.Client's automatic recovery.
/// </summary>
public sealed class RabbitMQPublisher : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly BrokerRef _broker;
    private readonly string _exchange;
    private readonly KnativeEventingMetrics _metrics;
    private readonly RabbitMQInstrumentation _instrumentation;
    private readonly RabbitMQPublisherOptions _options;
    private readonly RabbitMQEndpoint _endpoint;
    private readonly CoarseDeadline _deadline;

    private RabbitMQPublisher(
        IChannel channel,
        IConnection connection,
        BrokerRef broker,
        string exchange,
        KnativeEventingMetrics metrics,
        RabbitMQInstrumentation instrumentation,
        RabbitMQPublisherOptions options)
    {
        _channel = channel;
        _broker = broker;
        _exchange = exchange;
        _metrics = metrics;
        _instrumentation = instrumentation;
        _options = options;
        _endpoint = new RabbitMQEndpoint(connection);
        _deadline = new CoarseDeadline(options.ConfirmTimeout);
        _channel.ChannelShutdownAsync += OnChannelShutdownAsync;
    }

    /// <summary>The exchange this publisher writes to.</summary>
    public string Exchange => _exchange;

    /// <summary>Opens a channel with publisher confirms and confirmation tracking on <paramref name="connection"/>.</summary>
    /// <param name="connection">An open connection (with automatic recovery enabled, the default).</param>
    /// <param name="broker">The broker whose ingress publishes.</param>
    /// <param name="metrics">The uniform instruments.</param>
    /// <param name="instrumentation">The RabbitMQ transport instruments.</param>
    /// <param name="options">Options (the exchange, confirm timeout, encoding, …); defaults when null.</param>
    /// <param name="cancellationToken">Cancels opening the channel.</param>
    /// <returns>The publisher; dispose it to close its channel.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The confirm timeout is not positive.</exception>
    public static async Task<RabbitMQPublisher> CreateAsync(
        IConnection connection,
        BrokerRef broker,
        KnativeEventingMetrics metrics,
        RabbitMQInstrumentation instrumentation,
        RabbitMQPublisherOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(instrumentation);
        options ??= new RabbitMQPublisherOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ConfirmTimeout, TimeSpan.Zero, nameof(options.ConfirmTimeout));
        ArgumentNullException.ThrowIfNull(options.Formatter, nameof(options.Formatter));
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken).ConfigureAwait(false);
        return new RabbitMQPublisher(
            channel,
            connection,
            broker,
            options.Exchange ?? RabbitMQNames.Exchange(broker),
            metrics,
            instrumentation,
            options);
    }

    /// <summary>
    /// Publishes one CloudEvent, encoded with the CloudEvents AMQP binding (<see cref="RabbitMQPublisherOptions.ContentMode"/>)
    /// as a persistent message, and waits for the broker's confirm, as the other overload does.
    /// </summary>
    /// <param name="cloudEvent">The event (validated while encoding).</param>
    /// <param name="ingressStartTimestamp">A <see cref="Stopwatch.GetTimestamp"/> of when the ingress received the event; null measures from this
    /// call.</param>
    /// <param name="cancellationToken">Cancels the wait (the event may still have reached the broker).</param>
    /// <returns>A task that completes when the broker confirmed the event.</returns>
    /// <exception cref="Knative.Eventing.Metrics.CloudEvents.InvalidCloudEventException">The event is not valid.</exception>
    /// <exception cref="RabbitMQPublishException">The broker did not accept the event; <see cref="RabbitMQPublishException.ErrorType"/> says
    /// why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task PublishAsync(CloudNative.CloudEvents.CloudEvent cloudEvent, long? ingressStartTimestamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var message = Knative.Eventing.Metrics.CloudEvents.AmqpCloudEventBinding.Encode(cloudEvent, _options.ContentMode, _options.Formatter);
        var properties = new BasicProperties { Persistent = true, ContentType = message.ContentType, Headers = message.ApplicationProperties };

        // The publish span (PRODUCER) is what the message carries in its AMQP headers, for the trigger consumers' process spans.
        using var span = KnativeEventingTracing.StartPublish(
            _broker, cloudEvent.Id, cloudEvent.Type, cloudEvent.Source?.ToString(), cloudEvent.Subject);
        properties.Headers ??= new Dictionary<string, object?>();
        KnativeEventingTracing.Inject(KnativeEventingTracing.Current(), properties.Headers, static (h, name, value) => h[name] = value);
        try
        {
            await PublishAsync(string.Empty, properties, message.Body, cloudEvent.Type, ingressStartTimestamp, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RabbitMQPublishException ex)
        {
            KnativeEventingTracing.SetResult(span, null, ex.ErrorType);
            throw;
        }
        catch (OperationCanceledException ex)
        {
            KnativeEventingTracing.SetResult(span, null, ErrorTypes.FromException(ex));
            throw;
        }
    }

    /// <summary>
    /// Publishes one event and waits for the broker's confirm (at least <see cref="RabbitMQPublisherOptions.ConfirmTimeout"/>,
    /// at most a quarter more: deadlines are shared by publishes started close together).
    /// </summary>
    /// <param name="routingKey">The routing key.</param>
    /// <param name="properties">The message properties (use persistent delivery mode for durability).</param>
    /// <param name="body">The message body.</param>
    /// <param name="eventType">The CloudEvent type, for the bounded <c>cloudevents.type</c> attribute.</param>
    /// <param name="ingressStartTimestamp">
    /// A <see cref="Stopwatch.GetTimestamp"/> of when the ingress received the event, so that
    /// <c>kn.eventing.ingress.duration</c> covers the whole request; null measures from this call.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait (the event may still have reached the broker).</param>
    /// <returns>A task that completes when the broker confirmed the event.</returns>
    /// <exception cref="RabbitMQPublishException">The broker did not accept the event; <see cref="RabbitMQPublishException.ErrorType"/> says
    /// why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task PublishAsync(
        string routingKey,
        BasicProperties properties,
        ReadOnlyMemory<byte> body,
        string? eventType,
        long? ingressStartTimestamp,
        CancellationToken cancellationToken)
    {
        var ingressStart = ingressStartTimestamp ?? Stopwatch.GetTimestamp();
        var publishStart = Stopwatch.GetTimestamp();
        var deadline = _deadline.Token;
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
        string? errorType = null;
        Exception? failure = null;
        try
        {
            await _channel.BasicPublishAsync(
                _exchange,
                routingKey,
                _options.Mandatory,
                properties,
                body,
                linked?.Token ?? deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            errorType = typeof(OperationCanceledException).FullName!;
            Record(ingressStart, publishStart, eventType, errorType);
            throw;
        }
        catch (Exception ex)
        {
            failure = ex;
            errorType = RabbitMQErrorTypes.Classify(ex, timedOut: ex is OperationCanceledException && deadline.IsCancellationRequested);
        }

        Record(ingressStart, publishStart, eventType, errorType);
        if (failure is not null)
        {
            throw new RabbitMQPublishException(
                errorType!,
                $"RabbitMQ did not accept the event for exchange '{_exchange}' (routing key '{routingKey}'): {errorType}.",
                failure);
        }
    }

    /// <summary>Closes the channel.</summary>
    /// <returns>A task that completes when the channel is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        _channel.ChannelShutdownAsync -= OnChannelShutdownAsync;
        try
        {
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing a channel of a lost connection fails; there is nothing left to close.
        }

        _channel.Dispose();
    }

    private void Record(long ingressStart, long publishStart, string? eventType, string? errorType)
    {
        _instrumentation.RecordPublish(_endpoint, _exchange, Stopwatch.GetElapsedTime(publishStart), errorType);
        if (_options.RecordIngress)
        {
            _metrics.RecordIngress(_broker, eventType, Stopwatch.GetElapsedTime(ingressStart), statusCode: null, errorType);
        }
    }

    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs e)
    {
        _instrumentation.RecordChannelShutdown(_endpoint, e.Initiator);
        return Task.CompletedTask;
    }
}
