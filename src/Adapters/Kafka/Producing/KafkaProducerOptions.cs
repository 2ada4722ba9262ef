namespace Knative.Eventing.Metrics.Kafka;

/// <summary>Options of <see cref="KafkaProducer"/>.</summary>
public sealed class KafkaProducerOptions
{
    /// <summary>
    /// Whether the producer records <c>kn.eventing.ingress.duration</c> itself. Turn it off when the caller
    /// (e.g. an HTTP ingress that knows the status it answers) records ingress. Default true.
    /// </summary>
    public bool RecordIngress { get; set; } = true;
}
