using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Broker;

/// <summary>
/// Runs the reference broker: validates the configuration, starts the backend's consumers with the
/// dispatcher, accepts events from the ingress (stamping <c>knativearrivaltime</c>) and drains in-flight
/// deliveries on shutdown.
/// </summary>
public sealed partial class BrokerHost : IHostedService, IAsyncDisposable
{
    private readonly IOptions<BrokerOptions> _options;
    private readonly KnativeEventingMetrics _metrics;
    private readonly TriggerDispatcher _dispatcher;
    private readonly SubscriberClient _subscribers;
    private readonly ILogger<BrokerHost> _logger;
    private IEventBackend? _backend;

    private readonly IServiceProvider _services;

    public BrokerHost(IOptions<BrokerOptions> options, KnativeEventingMetrics metrics, TriggerDispatcher dispatcher, SubscriberClient subscribers, IServiceProvider services, ILogger<BrokerHost> logger)
    {
        _services = services;
        _options = options;
        _metrics = metrics;
        _dispatcher = dispatcher;
        _subscribers = subscribers;
        _logger = logger;
        Model = BrokerModel.Build(options.Value);
        foreach (var trigger in Model.Triggers)
        {
            if (!_subscribers.Knows(trigger.Subscriber))
            {
                throw new InvalidOperationException($"Invalid broker configuration: trigger {trigger.Ref}: no in-process subscriber '{trigger.Subscriber.Host}'.");
            }
        }
    }

    /// <summary>The validated configuration.</summary>
    public BrokerModel Model { get; }

    /// <summary>The backend's name, for the status page.</summary>
    public string BackendName => _options.Value.Backend;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = _options.Value;
        var loggers = _services.GetRequiredService<ILoggerFactory>();
        _backend = o.Backend.ToLowerInvariant() switch
        {
            "embedded" => new EmbeddedBackend(_metrics, o.QueueCapacity),
            "rabbitmq" or "rabbitmqbroker" => new RabbitMQBackend(
                Uri.TryCreate(o.RabbitMQ, UriKind.Absolute, out var amqp) && amqp.Scheme is "amqp" or "amqps" ? amqp : throw new InvalidOperationException($"Invalid broker configuration: Broker:RabbitMQ: '{o.RabbitMQ}' is not an amqp:// URI."),
                o.ResourcePrefix, _metrics, _services.GetRequiredService<Knative.Eventing.Metrics.RabbitMQ.RabbitMQInstrumentation>(), loggers),
            "kafka" => new KafkaBackend(
                string.IsNullOrWhiteSpace(o.Kafka) ? throw new InvalidOperationException("Invalid broker configuration: Broker:Kafka: bootstrap servers are required.") : o.Kafka,
                string.IsNullOrWhiteSpace(o.LibrdkafkaPath) ? null : o.LibrdkafkaPath,
                new KafkaClientProperties(o),
                o.ResourcePrefix, _metrics, _services.GetRequiredService<Knative.Eventing.Metrics.Kafka.KafkaInstrumentation>(), loggers),
            var other => throw new InvalidOperationException($"Invalid broker configuration: Broker:Backend: '{other}' is not one of Embedded, RabbitMQ, Kafka."),
        };
        _dispatcher.Reingest = (broker, reply, ct) => PublishAsync(broker, [reply], ct);
        await _backend.StartAsync(Model, _dispatcher.DispatchAsync, cancellationToken).ConfigureAwait(false);
        LogStarted(_logger, _options.Value.Backend, Model.Brokers.Count, Model.Triggers.Count);
    }

    /// <summary>Stamps <c>knativearrivaltime</c> and stores the events in the backend, all or none.</summary>
    /// <exception cref="EventPublishException">The backend did not accept them.</exception>
    public async Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        var backend = _backend ?? throw new EventPublishException(ErrorTypes.ConnectionRefused, "The broker is not started.", null);
        var arrival = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var cloudEvent in events)
        {
            cloudEvent[KnativeArrivalTime.AttributeName] = arrival;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Model.PublishTimeout);
        try
        {
            await backend.PublishAsync(broker, events, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EventPublishException(ErrorTypes.Timeout, $"The backend did not accept the event within {Model.PublishTimeout}.", null);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_backend is not { } backend)
        {
            return;
        }

        try
        {
            await backend.DrainAsync(Model.DrainTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Stopping ends with exit code 0 whatever the subscribers do: what was not delivered was not
            // acknowledged and stays in the broker for the next replica.
            LogDrainFailed(_logger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as a singleton and as a hosted service: the container may dispose it twice.
        if (Interlocked.Exchange(ref _backend, null) is { } backend)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Draining the broker backend failed; unacknowledged events stay in the broker")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Broker backend {Backend} started with {Brokers} brokers and {Triggers} triggers")]
    private static partial void LogStarted(ILogger logger, string backend, int brokers, int triggers);
}
