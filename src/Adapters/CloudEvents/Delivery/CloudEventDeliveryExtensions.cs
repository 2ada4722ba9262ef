using CloudNative.CloudEvents;
using OpenTelemetry.Context.Propagation;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>Following a decoded CloudEvent through a trigger.</summary>
public static class CloudEventDeliveryExtensions
{
    /// <summary>
    /// Begins following <paramref name="cloudEvent"/>, taken from the backend for <paramref name="trigger"/>: its
    /// type, its <c>knativearrivaltime</c> (for the queue time) and its source (recorded only when
    /// <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is on) go to
    /// <see cref="KnativeEventingMetrics.BeginDelivery(TriggerRef, string?, DateTimeOffset?, string?)"/>.
    /// Never throws for a missing or malformed arrival time.
    /// </summary>
    /// <param name="metrics">The metrics.</param>
    /// <param name="trigger">The trigger.</param>
    /// <param name="cloudEvent">The decoded event.</param>
    /// <returns>The scope of this event and trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/>, <paramref name="trigger"/> or <paramref name="cloudEvent"/> is
    /// null.</exception>
    public static DeliveryScope BeginDelivery(this KnativeEventingMetrics metrics, TriggerRef trigger, CloudEvent cloudEvent) =>
        BeginDelivery(metrics, trigger, cloudEvent, default);

    /// <summary>
    /// Begins following <paramref name="cloudEvent"/> as the other overload does, and starts its process span as a child of
    /// <paramref name="parent"/>, the context the message carried (<see cref="KnativeEventingTracing.Extract{T}"/>); the event's
    /// id and subject go on the span only.
    /// </summary>
    /// <param name="metrics">The metrics.</param>
    /// <param name="trigger">The trigger.</param>
    /// <param name="cloudEvent">The decoded event.</param>
    /// <param name="parent">The context the message carried; <c>default</c> starts a new trace.</param>
    /// <returns>The scope of this event and trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/>, <paramref name="trigger"/> or <paramref name="cloudEvent"/> is
    /// null.</exception>
    public static DeliveryScope BeginDelivery(
        this KnativeEventingMetrics metrics, TriggerRef trigger, CloudEvent cloudEvent, PropagationContext parent)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(cloudEvent);
        return metrics.BeginDelivery(
            trigger,
            cloudEvent.Type,
            KnativeArrivalTime.Parse(cloudEvent[KnativeArrivalTime.AttributeName]),
            cloudEvent.Source?.ToString(),
            new DeliveryTrace(parent, cloudEvent.Id, cloudEvent.Subject));
    }
}
