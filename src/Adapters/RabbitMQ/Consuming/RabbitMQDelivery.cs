using CloudNative.CloudEvents;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// One message given to a trigger handler: the message (valid until the handler's task completes), the
/// validated CloudEvent it holds, and the <see cref="DeliveryScope"/> through which the handler reports the
/// filter decision and its delivery attempts.
/// </summary>
public sealed class RabbitMQDelivery
{
    internal RabbitMQDelivery(BasicDeliverEventArgs message, CloudEvent cloudEvent, DeliveryScope scope)
    {
        Message = message;
        Event = cloudEvent;
        Scope = scope;
    }

    /// <summary>The delivered message; its body is valid only until the handler's task completes.</summary>
    public BasicDeliverEventArgs Message { get; }

    /// <summary>The CloudEvent it holds.</summary>
    public CloudEvent Event { get; }

    /// <summary>Whether RabbitMQ delivered this message before (and it was not acknowledged).</summary>
    public bool Redelivered => Message.Redelivered;

    /// <summary>Records the filter decision, the attempts and (by the consumer) the final outcome.</summary>
    public DeliveryScope Scope { get; }
}
