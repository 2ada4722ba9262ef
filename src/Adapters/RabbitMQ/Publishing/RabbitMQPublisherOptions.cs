using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>Options of <see cref="RabbitMQPublisher"/>.</summary>
public sealed class RabbitMQPublisherOptions
{
    /// <summary>The exchange to publish to; default <see cref="RabbitMQNames.Exchange"/> of the broker ("" is the default exchange).</summary>
    public string? Exchange { get; set; }

    /// <summary>Publish as mandatory, so that a message no queue takes fails as <c>unroutable</c> instead of vanishing. Default true.</summary>
    public bool Mandatory { get; set; } = true;

    /// <summary>How long to wait for the broker's confirm before the publish fails as <c>timeout</c>. Default 10 s.</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the publisher records <c>kn.eventing.ingress.duration</c> itself. Turn it off when the
    /// caller (e.g. an HTTP ingress that also knows the status it answers) records ingress. Default true.
    /// </summary>
    public bool RecordIngress { get; set; } = true;

    /// <summary>The event format for binary-mode data and structured mode, when publishing a <see cref="CloudEvent"/> (default JSON).</summary>
    public CloudEventFormatter Formatter { get; set; } = new JsonEventFormatter();

    /// <summary>How a <see cref="CloudEvent"/> is encoded (the AMQP binding's binary mode by default).</summary>
    public ContentMode ContentMode { get; set; } = ContentMode.Binary;
}
