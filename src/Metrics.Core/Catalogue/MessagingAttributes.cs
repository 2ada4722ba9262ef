namespace Knative.Eventing.Metrics;

/// <summary>
/// Attribute keys of the transport instruments (OpenTelemetry messaging and network semantic
/// conventions) shared by the RabbitMQ and Kafka adapters.
/// </summary>
public static class MessagingAttributes
{
    /// <summary><c>messaging.operation.type</c>: <c>send</c>, <c>receive</c> or <c>process</c>.</summary>
    public const string OperationType = "messaging.operation.type";

    /// <summary><c>messaging.consumer.group.name</c> (Kafka).</summary>
    public const string ConsumerGroupName = "messaging.consumer.group.name";

    /// <summary><c>server.address</c>.</summary>
    public const string ServerAddress = "server.address";

    /// <summary><c>server.port</c>.</summary>
    public const string ServerPort = "server.port";
}
