using OpenTelemetry.Context.Propagation;

namespace Knative.Eventing.Metrics;

/// <summary>
/// What the process span of a delivery needs beyond the metrics: the context the message carried (its parent, from
/// <see cref="KnativeEventingTracing.Extract{T}"/>) and the event's id and subject, which are span attributes only.
/// </summary>
/// <param name="Parent">The context the message carried; <c>default</c> starts a new trace.</param>
/// <param name="EventId">The CloudEvent id.</param>
/// <param name="EventSubject">The CloudEvent subject.</param>
public readonly record struct DeliveryTrace(PropagationContext Parent, string? EventId, string? EventSubject);
