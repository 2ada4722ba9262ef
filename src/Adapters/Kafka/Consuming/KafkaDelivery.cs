using CloudNative.CloudEvents;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// One record given to a trigger handler: the record, the validated CloudEvent, and the
/// <see cref="DeliveryScope"/> through which the handler reports the filter decision and its attempts.
/// </summary>
public sealed class KafkaDelivery
{
    internal KafkaDelivery(ConsumeResult<byte[]?, byte[]?> record, CloudEvent cloudEvent, DeliveryScope scope)
    {
        Record = record;
        Event = cloudEvent;
        Scope = scope;
    }

    /// <summary>The consumed record.</summary>
    public ConsumeResult<byte[]?, byte[]?> Record { get; }

    /// <summary>The CloudEvent it holds.</summary>
    public CloudEvent Event { get; }

    /// <summary>Records the filter decision, the attempts and (by the consumer) the final outcome.</summary>
    public DeliveryScope Scope { get; }
}
