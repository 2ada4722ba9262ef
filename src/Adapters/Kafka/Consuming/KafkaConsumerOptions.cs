using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Confluent.Kafka;
using Knative.Eventing.Metrics.CloudEvents;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>Options of <see cref="KafkaTriggerConsumer"/>.</summary>
public sealed class KafkaConsumerOptions
{
    /// <summary>The topic to consume; default <see cref="KafkaNames.Topic"/> of the trigger's broker.</summary>
    public string? Topic { get; set; }

    /// <summary>The consumer group; default <see cref="KafkaNames.ConsumerGroup"/> of the trigger (Knative's
    /// <c>knative-trigger-{namespace}-{name}</c>).</summary>
    public string? GroupId { get; set; }

    /// <summary>
    /// Whether a partition's records are handled concurrently (<see cref="KafkaDeliveryOrder.Unordered"/>, the default, as
    /// eventing-kafka-broker's) or one at a time in offset order (<see cref="KafkaDeliveryOrder.Ordered"/>).
    /// </summary>
    public KafkaDeliveryOrder DeliveryOrder { get; set; } = KafkaDeliveryOrder.Unordered;

    /// <summary>
    /// The most records taken and not finished (a record waiting for a retry's backoff counts until its final outcome):
    /// over the consumer when unordered, per partition when ordered. Past it the consumer pauses its partitions, so
    /// memory and what a crash redelivers stay bounded. Default 50, upstream's <c>max.poll.records</c>
    /// (data-plane/config/broker/100-config-kafka-broker-data-plane.yaml), which bounds its unordered consumer's
    /// in-flight records the same way.
    /// </summary>
    public int MaxInFlight { get; set; } = DefaultMaxInFlight;

    /// <summary>The default of <see cref="MaxInFlight"/>: 50, as eventing-kafka-broker's <c>max.poll.records</c>.</summary>
    public const int DefaultMaxInFlight = 50;

    /// <summary>How often stored offsets (records with a final outcome) are committed. Default 1 s; also committed on pause and stop.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long to wait before handling a record again after the handler threw: the record is not skipped, and with
    /// <see cref="KafkaDeliveryOrder.Unordered"/> the others go on meanwhile. Default 1 s.
    /// </summary>
    public TimeSpan HandlerRetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long stopping waits for the records in flight (records queued behind them are left for the group). Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The event format for structured mode and binary-mode data (default JSON).</summary>
    public CloudEventFormatter Formatter { get; set; } = new JsonEventFormatter();

    /// <summary>Extension attributes to decode with their types (others are read as strings).</summary>
    public IList<CloudEventAttribute> ExtensionAttributes { get; } = [];

    /// <summary>
    /// Called with every record that is not a valid CloudEvent (e.g. to send it to a dead-letter topic)
    /// before its offset is committed past it. Such records are always counted in
    /// <c>kn.eventing.events.invalid</c> and logged; they never stop the consumer. If this callback
    /// throws, the record is offered again after <see cref="HandlerRetryBackoff"/> (its offset is not committed past meanwhile).
    /// </summary>
    public Action<ConsumeResult<byte[]?, byte[]?>, InvalidCloudEventException>? OnInvalidMessage { get; set; }
}
