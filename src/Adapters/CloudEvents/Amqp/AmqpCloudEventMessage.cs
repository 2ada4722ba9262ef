namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>A CloudEvent as an AMQP message: application properties, content type and body.</summary>
/// <param name="ApplicationProperties">The application properties (RabbitMQ.Client: <c>BasicProperties.Headers</c>).</param>
/// <param name="ContentType">The AMQP content-type property.</param>
/// <param name="Body">The message body.</param>
public sealed record AmqpCloudEventMessage(IDictionary<string, object?> ApplicationProperties, string? ContentType, ReadOnlyMemory<byte> Body);
