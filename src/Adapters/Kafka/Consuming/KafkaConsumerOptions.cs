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

    /// <summary>How often stored offsets (records with a final outcome) are committed. Default 1 s; also committed on pause and stop.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait before handling a record again after the handler threw (the record is not skipped). Default 1 s.</summary>
    public TimeSpan HandlerRetryBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long stopping waits for the record in hand. Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The event format for structured mode and binary-mode data (default JSON).</summary>
    public CloudEventFormatter Formatter { get; set; } = new JsonEventFormatter();

    /// <summary>Extension attributes to decode with their types (others are read as strings).</summary>
    public IList<CloudEventAttribute> ExtensionAttributes { get; } = [];

    /// <summary>
    /// Called with every record that is not a valid CloudEvent (e.g. to send it to a dead-letter topic)
    /// before its offset is committed past it. Such records are always counted in
    /// <c>kn.eventing.events.invalid</c> and logged; they never stop the consumer. If this callback
    /// throws, the record is read again after <see cref="HandlerRetryBackoff"/>.
    /// </summary>
    public Action<ConsumeResult<byte[]?, byte[]?>, InvalidCloudEventException>? OnInvalidMessage { get; set; }
}
