using static Knative.Eventing.Metrics.KnativeAttributes;
using static Knative.Eventing.Metrics.MessagingAttributes;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>The instruments of the meter <see cref="KnativeEventingMeterNames.Kafka"/>.</summary>
internal static class KafkaInstruments
{
    /// <summary>The <c>messaging.client.id</c> attribute (librdkafka's client instance name).</summary>
    public const string ClientId = "messaging.client.id";

    /// <summary>The <c>messaging.destination.partition.id</c> attribute (opt-in only).</summary>
    public const string PartitionId = "messaging.destination.partition.id";

    /// <summary><c>messaging.client.sent.messages</c>.</summary>
    public static InstrumentDescriptor SentMessages { get; } = new(
        "messaging.client.sent.messages",
        InstrumentKind.Counter,
        "{message}",
        "Records produced to Kafka, counted when the delivery report arrived (persisted or failed).",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ErrorType],
        [PartitionId]);

    /// <summary><c>messaging.client.operation.duration</c>.</summary>
    public static InstrumentDescriptor OperationDuration { get; } = new(
        "messaging.client.operation.duration",
        InstrumentKind.Histogram,
        "s",
        "Produce with delivery report: from the produce call to the delivery report (persisted or failed).",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ErrorType],
        [PartitionId]);

    /// <summary><c>messaging.client.consumed.messages</c>.</summary>
    public static InstrumentDescriptor ConsumedMessages { get; } = new(
        "messaging.client.consumed.messages",
        InstrumentKind.Counter,
        "{message}",
        "Records a trigger consumer received, counted once when polled.",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ConsumerGroupName],
        [PartitionId]);

    /// <summary><c>messaging.process.duration</c>.</summary>
    public static InstrumentDescriptor ProcessDuration { get; } = new(
        "messaging.process.duration",
        InstrumentKind.Histogram,
        "s",
        "The trigger consumer's handling of one record, from poll to offset stored (or the handler's failure).",
        [MessagingSystem, MessagingOperationName, OperationType, MessagingDestinationName, ConsumerGroupName, ErrorType],
        [PartitionId]);

    /// <summary><c>kafka.consumer.in_flight</c>.</summary>
    public static InstrumentDescriptor InFlight { get; } = new(
        "kafka.consumer.in_flight",
        InstrumentKind.UpDownCounter,
        "{message}",
        "Records a trigger consumer took and has not finished: delivering, waiting for a retry, or queued behind their partition's "
            + "earlier record (ordered); at most KafkaConsumerOptions.MaxInFlight, per partition when ordered.",
        [MessagingSystem, MessagingDestinationName, ConsumerGroupName],
        []);

    /// <summary><c>kafka.client.broker.rtt</c>.</summary>
    public static InstrumentDescriptor BrokerRoundTripTime { get; } = new(
        "kafka.client.broker.rtt",
        InstrumentKind.ObservableGauge,
        "s",
        "Average broker round-trip time as librdkafka last reported it (statistics.interval.ms), per client and broker.",
        [MessagingSystem, ClientId, ServerAddress],
        []);

    /// <summary><c>kafka.client.outbound.queue</c>.</summary>
    public static InstrumentDescriptor OutboundQueue { get; } = new(
        "kafka.client.outbound.queue",
        InstrumentKind.ObservableGauge,
        "{message}",
        "Messages waiting in the client's queues to be sent to brokers, as librdkafka last reported it.",
        [MessagingSystem, ClientId],
        []);

    /// <summary><c>kafka.consumer.lag</c>.</summary>
    public static InstrumentDescriptor ConsumerLag { get; } = new(
        "kafka.consumer.lag",
        InstrumentKind.ObservableGauge,
        "{message}",
        "Consumer lag summed over the client's assigned partitions, as librdkafka last reported it.",
        [MessagingSystem, ClientId, MessagingDestinationName],
        []);

    /// <summary>Every instrument above, in catalogue order.</summary>
    public static IReadOnlyList<InstrumentDescriptor> All { get; } =
        [SentMessages, OperationDuration, ConsumedMessages, ProcessDuration, InFlight, BrokerRoundTripTime, OutboundQueue, ConsumerLag];
}
