using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>Options of <see cref="KafkaProducer"/>.</summary>
public sealed class KafkaProducerOptions
{
    /// <summary>The topic to produce to; default <see cref="KafkaNames.Topic"/> of the broker.</summary>
    public string? Topic { get; set; }

    /// <summary>
    /// Whether the producer records <c>kn.eventing.ingress.duration</c> itself. Turn it off when the caller
    /// (e.g. an HTTP ingress that knows the status it answers) records ingress. Default true.
    /// </summary>
    public bool RecordIngress { get; set; } = true;

    /// <summary>The event format for binary-mode data and structured mode, when publishing a <see cref="CloudEvent"/> (default JSON).</summary>
    public CloudEventFormatter Formatter { get; set; } = new JsonEventFormatter();

    /// <summary>How a <see cref="CloudEvent"/> is encoded (the Kafka binding's binary mode by default).</summary>
    public ContentMode ContentMode { get; set; } = ContentMode.Binary;
}
