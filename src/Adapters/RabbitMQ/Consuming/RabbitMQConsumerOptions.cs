using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Knative.Eventing.Metrics.CloudEvents;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>Options of <see cref="RabbitMQTriggerConsumer"/>.</summary>
public sealed class RabbitMQConsumerOptions
{
    /// <summary>The queue to consume; default <see cref="RabbitMQNames.Queue"/> of the trigger.</summary>
    public string? Queue { get; set; }

    /// <summary>How many messages are handled at once; also the channel's prefetch count. Default 10.</summary>
    public ushort Parallelism { get; set; } = 10;

    /// <summary>
    /// Whether a message whose handler threw is requeued (nack with requeue) to be delivered again.
    /// When false it is rejected without requeue (the queue's dead-letter exchange, if any, takes it).
    /// Default true: nothing accepted is lost.
    /// </summary>
    public bool RequeueOnHandlerFailure { get; set; } = true;

    /// <summary>How long disposing waits for handlers in flight before closing the channel (their messages are then requeued by the broker). Default
    /// 30 s.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The event format for structured mode and binary-mode data (default JSON).</summary>
    public CloudEventFormatter Formatter { get; set; } = new JsonEventFormatter();

    /// <summary>Extension attributes to decode with their types (others are read as strings).</summary>
    public IList<CloudEventAttribute> ExtensionAttributes { get; } = [];

    /// <summary>
    /// Called with every message that is not a valid CloudEvent (e.g. to dead-letter it) before it is
    /// acknowledged past. Such messages are always counted in <c>kn.eventing.events.invalid</c> and logged;
    /// they never stop the consumer. If this callback throws, the message is requeued and read again.
    /// </summary>
    public Action<BasicDeliverEventArgs, InvalidCloudEventException>? OnInvalidMessage { get; set; }
}
