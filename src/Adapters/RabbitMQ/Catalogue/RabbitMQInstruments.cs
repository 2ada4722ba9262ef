using static Knative.Eventing.Metrics.KnativeAttributes;
using static Knative.Eventing.Metrics.MessagingAttributes;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>The instruments of the meter <see cref="KnativeEventingMeterNames.RabbitMQ"/>.</summary>
internal static class RabbitMQInstruments
{
    /// <summary>The <c>rabbitmq.shutdown.initiator</c> attribute: <c>application</c>, <c>library</c> or <c>peer</c>.</summary>
    public const string ShutdownInitiator = "rabbitmq.shutdown.initiator";

    /// <summary><c>messaging.client.sent.messages</c>.</summary>
    public static InstrumentDescriptor SentMessages { get; } = new(
        "messaging.client.sent.messages",
        InstrumentKind.Counter,
        "{message}",
        "Messages published to RabbitMQ, counted when the broker confirmed, rejected or failed them.",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ServerAddress, ServerPort, ErrorType],
        []);

    /// <summary><c>messaging.client.operation.duration</c>.</summary>
    public static InstrumentDescriptor OperationDuration { get; } = new(
        "messaging.client.operation.duration",
        InstrumentKind.Histogram,
        "s",
        "Publish with publisher confirms: from the publish call to the broker's confirm, nack, return or the failure.",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ServerAddress, ServerPort, ErrorType],
        []);

    /// <summary><c>messaging.client.consumed.messages</c>.</summary>
    public static InstrumentDescriptor ConsumedMessages { get; } = new(
        "messaging.client.consumed.messages",
        InstrumentKind.Counter,
        "{message}",
        "Messages delivered to a trigger consumer, counted once when received (redeliveries included).",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ServerAddress, ServerPort],
        []);

    /// <summary><c>messaging.process.duration</c>.</summary>
    public static InstrumentDescriptor ProcessDuration { get; } = new(
        "messaging.process.duration",
        InstrumentKind.Histogram,
        "s",
        "The trigger consumer's handling of one message, from delivery to ack (or nack when the handler failed).",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ServerAddress, ServerPort, ErrorType],
        []);

    /// <summary><c>rabbitmq.client.redelivered.messages</c>.</summary>
    public static InstrumentDescriptor RedeliveredMessages { get; } = new(
        "rabbitmq.client.redelivered.messages",
        InstrumentKind.Counter,
        "{message}",
        "Messages RabbitMQ delivered again (redelivered flag set) after an earlier delivery was not acknowledged.",
        [MessagingSystem, MessagingDestinationName, ServerAddress, ServerPort],
        []);

    /// <summary><c>rabbitmq.client.connection.recoveries</c>.</summary>
    public static InstrumentDescriptor ConnectionRecoveries { get; } = new(
        "rabbitmq.client.connection.recoveries",
        InstrumentKind.Counter,
        "{recovery}",
        "Automatic connection recovery attempts by RabbitMQ.Client, successful or failed (error.type).",
        [MessagingSystem, ServerAddress, ServerPort, ErrorType],
        []);

    /// <summary><c>rabbitmq.client.connection.blocked</c>.</summary>
    public static InstrumentDescriptor ConnectionsBlocked { get; } = new(
        "rabbitmq.client.connection.blocked",
        InstrumentKind.UpDownCounter,
        "{connection}",
        "Connections the broker has blocked from publishing (resource alarm), until it unblocks them.",
        [MessagingSystem, ServerAddress, ServerPort],
        []);

    /// <summary><c>rabbitmq.client.connection.shutdowns</c>.</summary>
    public static InstrumentDescriptor ConnectionShutdowns { get; } = new(
        "rabbitmq.client.connection.shutdowns",
        InstrumentKind.Counter,
        "{shutdown}",
        "Connection shutdowns, by who initiated them (application, library or peer).",
        [MessagingSystem, ServerAddress, ServerPort, ShutdownInitiator],
        []);

    /// <summary><c>rabbitmq.client.channel.shutdowns</c>.</summary>
    public static InstrumentDescriptor ChannelShutdowns { get; } = new(
        "rabbitmq.client.channel.shutdowns",
        InstrumentKind.Counter,
        "{shutdown}",
        "Shutdowns of the channels the adapter opened (publisher, consumer, backlog), by initiator.",
        [MessagingSystem, ServerAddress, ServerPort, ShutdownInitiator],
        []);

    /// <summary>Every instrument above, in catalogue order.</summary>
    public static IReadOnlyList<InstrumentDescriptor> All { get; } =
        [
            SentMessages,
            OperationDuration,
            ConsumedMessages,
            ProcessDuration,
            RedeliveredMessages,
            ConnectionRecoveries,
            ConnectionsBlocked,
            ConnectionShutdowns,
            ChannelShutdowns];
}
