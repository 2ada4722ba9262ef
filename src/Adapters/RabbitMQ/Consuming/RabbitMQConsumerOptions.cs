using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>Options of <see cref="RabbitMQTriggerConsumer"/>.</summary>
public sealed class RabbitMQConsumerOptions
{
    /// <summary>How many messages are handled at once; also the channel's prefetch count. Default 10.</summary>
    public ushort Parallelism { get; set; } = 10;

    /// <summary>
    /// Whether a message whose handler threw is requeued (nack with requeue) to be delivered again.
    /// When false it is rejected without requeue (the queue's dead-letter exchange, if any, takes it).
    /// Default true: nothing accepted is lost.
    /// </summary>
    public bool RequeueOnHandlerFailure { get; set; } = true;

    /// <summary>How long disposing waits for handlers in flight before closing the channel (their messages are then requeued by the broker). Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Reads the CloudEvent type, source and <c>knativearrivaltime</c> of a message. The default reads the
    /// AMQP binding's application properties (<c>cloudEvents:type</c>, also <c>cloudEvents_type</c>).
    /// </summary>
    public Func<BasicDeliverEventArgs, EventMetadata> ReadMetadata { get; set; } = AmqpCloudEventHeaders.Read;
}
