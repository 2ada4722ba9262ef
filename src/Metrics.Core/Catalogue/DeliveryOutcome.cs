namespace Knative.Eventing.Metrics;

/// <summary>The final outcome of one event for one trigger (<c>kn.delivery.outcome</c>).</summary>
public enum DeliveryOutcome
{
    /// <summary>The subscriber (or, after a reply, the reply path) accepted the event: <c>delivered</c>.</summary>
    Delivered,

    /// <summary>The trigger's filter did not match: <c>filtered</c>.</summary>
    Filtered,

    /// <summary>Retries were exhausted and the dead-letter sink accepted the event: <c>dead_lettered</c>.</summary>
    DeadLettered,

    /// <summary>The event was given up by policy (no dead-letter sink, or the sink failed too): <c>dropped</c>.</summary>
    Dropped,
}
