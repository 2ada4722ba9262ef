namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// How a <see cref="KafkaTriggerConsumer"/> hands a partition's records to its handler, as eventing-kafka-broker's
/// per-trigger annotation <c>kafka.eventing.knative.dev/delivery.order</c> chooses (control-plane/pkg/reconciler/trigger/trigger.go,
/// <c>deliveryOrderAnnotation</c>; data-plane <c>DeliveryOrder.java</c>: unordered when absent).
/// </summary>
public enum KafkaDeliveryOrder
{
    /// <summary>
    /// The default: up to <see cref="KafkaConsumerOptions.MaxInFlight"/> records of the consumer's partitions are handled at
    /// once, in any order; the committed offset of a partition is its lowest unfinished record (upstream's
    /// <c>UnorderedConsumerVerticle</c> and <c>OffsetManager</c>).
    /// </summary>
    Unordered = 0,

    /// <summary>
    /// One record at a time per partition, in offset order; the partitions of a trigger are handled in parallel (upstream's
    /// <c>OrderedConsumerVerticle</c>: ordering is per partition).
    /// </summary>
    Ordered = 1,
}
