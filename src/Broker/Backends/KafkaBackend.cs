using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Confluent.Kafka;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Kafka;

using Knative.Eventing.Metrics.Broker.Formatting;

namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>
/// Knative's Kafka broker layout through the Kafka adapter: one topic per broker, one consumer group per
/// trigger (named by <see cref="KafkaNames"/> with the configured prefix),
/// records in the CloudEvents Kafka binary binding, 202 only after the record was persisted; each trigger's records
/// delivered in its delivery order (unordered by default, as eventing-kafka-broker), a partition's offset committed up
/// to its lowest record without a final outcome. Topics are created by the cluster on first use (no admin call).
/// Operators' librdkafka properties (<see cref="KafkaClientProperties"/>) go over the defaults.
/// </summary>
internal sealed partial class KafkaBackend(
    string bootstrapServers,
    string? librdkafkaPath,
    KafkaClientProperties properties,
    string prefix,
    KnativeEventingMetrics metrics,
    KafkaInstrumentation instrumentation,
    ILoggerFactory loggers) : ExternalBackend(loggers.CreateLogger<KafkaBackend>())
{
    private static readonly PassThroughJsonEventFormatter Formatter = new();
    private readonly Dictionary<BrokerRef, KafkaProducer> _producers = [];
    private IProducer<byte[]?, byte[]?>? _producer;
    private volatile string? _disconnected;

    /// <summary>
    /// Checks, before anything listens, what only librdkafka can check: that the library loads in a version
    /// Confluent.Kafka supports, and that the operator's properties are names and values librdkafka accepts
    /// (a producer and a consumer are built with them and disposed at once).
    /// </summary>
    /// <exception cref="InvalidOperationException">The library or a property is refused; the message names the setting.</exception>
    public static void Validate(string bootstrapServers, string? librdkafkaPath, KafkaClientProperties properties)
    {
        KafkaNativeLibrary.EnsureLoaded(librdkafkaPath);
        try
        {
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(ProducerConfig(bootstrapServers, properties)).Build();
        }
        catch (Exception refusal) when (KafkaClientProperties.IsRefusal(refusal))
        {
            throw properties.Refused(refusal, producer: true);
        }

        try
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig(ConsumerConfig(
                bootstrapServers,
                properties)) { GroupId = "knative-eventing-metrics-validation" }).Build();
        }
        catch (Exception refusal) when (KafkaClientProperties.IsRefusal(refusal))
        {
            throw properties.Refused(refusal, producer: false);
        }
    }

    /// <summary>
    /// Not connected from librdkafka's "all brokers down" until a record is stored again or the producer's
    /// statistics show a broker up (every statistics interval, 5 s by default).
    /// </summary>
    public override string? UnavailableReason => _disconnected;

    public override async Task StartAsync(Topology model, DispatchEvent dispatch, CancellationToken cancellationToken)
    {
        // Before any client: the librdkafka Confluent.Kafka ships, not whatever the machine has (validated before start).
        var version = KafkaNativeLibrary.EnsureLoaded(librdkafkaPath);
        LogLibrary(Logger, version, KafkaNativeLibrary.LoadedFrom ?? "the default library search");
        _producer = new ProducerBuilder<byte[]?, byte[]?>(ProducerConfig(bootstrapServers, properties))
            .SetStatisticsHandler((_, json) =>
            {
                instrumentation.Statistics.Observe(json);
                if (KafkaBrokerStates.AnyUp(json))
                {
                    _disconnected = null;
                }
            })
            .SetErrorHandler((_, error) =>
            {
                if (error.Code == ErrorCode.Local_AllBrokersDown)
                {
                    _disconnected = $"the Kafka producer reaches no broker ({error.Reason})";
                }
            })
            .Build();

        foreach (var broker in model.Brokers)
        {
            _producers[broker] = await KafkaProducer.CreateAsync(
                _producer,
                broker,
                metrics,
                instrumentation,
                new KafkaProducerOptions { Topic = Topic(broker), RecordIngress = false, Formatter = Formatter },
                cancellationToken).ConfigureAwait(false);
        }

        var config = ConsumerConfig(bootstrapServers, properties);
        foreach (var trigger in model.Triggers)
        {
            await StartTriggerAsync(trigger, config, dispatch, model, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        var producer = _producers[broker];
        await PublishEachAsync<KafkaProduceException>(
            events, e => producer.PublishAsync(e, null, cancellationToken), ex => ex.ErrorType).ConfigureAwait(false);

        _disconnected = null; // stored: a broker answers
    }

    protected override ValueTask DisposeClientsAsync()
    {
        if (Interlocked.Exchange(ref _producer, null) is { } producer)
        {
            producer.Flush(TimeSpan.FromSeconds(5));
            producer.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The producer's configuration: the broker's guarantees (acks=all, idempotence), then the operator's properties.</summary>
    private static ProducerConfig ProducerConfig(string bootstrapServers, KafkaClientProperties properties) =>
        properties.ForProducer(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 2,
            MessageTimeoutMs = 10_000,
            ClientId = "knative-eventing-metrics-exporter",
            StatisticsIntervalMs = 5000,
        });

    /// <summary>The trigger consumers' configuration before each trigger's group: the defaults, then the operator's properties.</summary>
    private static ConsumerConfig ConsumerConfig(string bootstrapServers, KafkaClientProperties properties) =>
        properties.ForConsumer(new ConsumerConfig { BootstrapServers = bootstrapServers, AllowAutoCreateTopics = true, StatisticsIntervalMs = 5000 });

    private async Task StartTriggerAsync(
        TriggerModel trigger,
        ConsumerConfig config,
        DispatchEvent dispatch,
        Topology model,
        CancellationToken cancellationToken)
    {
        var group = KafkaNames.ConsumerGroup(trigger.Ref, prefix);
        var consumer = await KafkaTriggerConsumer.StartAsync(
            config,
            trigger.Ref,
            (delivery, ct) => dispatch(trigger, delivery.Event, delivery.Scope, DeliverySlot.ConsumerBounded, ct),
            metrics,
            instrumentation,
            new KafkaConsumerOptions
            {
                Topic = Topic(trigger.Ref.Broker),
                GroupId = group,
                CommitInterval = TimeSpan.FromMilliseconds(500),
                DrainTimeout = model.DrainTimeout,
                DeliveryOrder = trigger.DeliveryOrder,
                MaxInFlight = model.KafkaMaxInFlight,
                Formatter = Formatter,
            },
            loggers.CreateLogger<KafkaBackend>(),
            cancellationToken).ConfigureAwait(false);
        Consumers.Add(consumer);
        Disposables.Add(KafkaTriggerBacklog.Register(metrics, config, Topic(trigger.Ref.Broker), group, trigger.Ref, TimeSpan.FromSeconds(4)));
    }

    private string Topic(BrokerRef broker) => KafkaNames.Topic(broker, prefix);

    [LoggerMessage(EventId = 420, Level = LogLevel.Information, Message = "librdkafka {Version} loaded from {File}")]
    private static partial void LogLibrary(ILogger logger, string version, string file);
}
