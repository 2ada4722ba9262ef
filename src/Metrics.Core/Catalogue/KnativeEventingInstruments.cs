using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics;

/// <summary>
/// The uniform <c>kn.eventing.*</c> instruments of the meter <see cref="KnativeEventingMeterNames.Core"/>:
/// the single source from which <see cref="KnativeEventingMetrics"/> creates them and which
/// <c>docs/metrics.md</c> documents (a test compares the two).
/// </summary>
internal static class KnativeEventingInstruments
{
    /// <summary><c>kn.eventing.ingress.duration</c>.</summary>
    public static InstrumentDescriptor IngressDuration { get; } = new(
        "kn.eventing.ingress.duration",
        InstrumentKind.Histogram,
        "s",
        "Broker ingress: from the request received to the backend acknowledging (or the ingress rejecting) the event.",
        [
            MessagingSystem,
            MessagingOperationName,
            MessagingDestinationName,
            BrokerName,
            BrokerNamespace,
            CloudEventsType,
            HttpResponseStatusCode,
            ErrorType,
            EventPolicyName],
        []);

    /// <summary><c>kn.eventing.process.duration</c>.</summary>
    public static InstrumentDescriptor ProcessDuration { get; } = new(
        "kn.eventing.process.duration",
        InstrumentKind.Histogram,
        "s",
        "Filter step: from the event taken from the backend to the trigger's filter decision.",
        [MessagingSystem, MessagingOperationName, MessagingDestinationName, BrokerName, BrokerNamespace, TriggerName, CloudEventsType],
        [CloudEventsSource]);

    /// <summary><c>kn.eventing.queue.duration</c>.</summary>
    public static InstrumentDescriptor QueueDuration { get; } = new(
        "kn.eventing.queue.duration",
        InstrumentKind.Histogram,
        "s",
        "Time an event waited: from knativearrivaltime (stamped by ingress) to its first dispatch attempt for a trigger.",
        [BrokerName, BrokerNamespace, TriggerName, CloudEventsType],
        [CloudEventsSource]);

    /// <summary><c>kn.eventing.dispatch.duration</c>.</summary>
    public static InstrumentDescriptor DispatchDuration { get; } = new(
        "kn.eventing.dispatch.duration",
        InstrumentKind.Histogram,
        "s",
        "One delivery attempt to a subscriber, dead-letter sink or reply destination; retries are extra attempts.",
        [
            MessagingSystem,
            MessagingOperationName,
            MessagingDestinationName,
            BrokerName,
            BrokerNamespace,
            TriggerName,
            CloudEventsType,
            HttpResponseStatusCode,
            ErrorType],
        []);

    /// <summary><c>kn.eventing.deliveries</c>.</summary>
    public static InstrumentDescriptor Deliveries { get; } = new(
        "kn.eventing.deliveries",
        InstrumentKind.Counter,
        "{event}",
        "Events per trigger by final outcome (delivered, filtered, dead_lettered, dropped); one per event per trigger.",
        [BrokerName, BrokerNamespace, TriggerName, CloudEventsType, KnativeAttributes.DeliveryOutcome],
        [CloudEventsSource]);

    /// <summary><c>kn.eventing.dispatch.active</c>.</summary>
    public static InstrumentDescriptor DispatchActive { get; } = new(
        "kn.eventing.dispatch.active",
        InstrumentKind.UpDownCounter,
        "{request}",
        "Delivery attempts in flight.",
        [BrokerName, BrokerNamespace, TriggerName],
        []);

    /// <summary><c>kn.eventing.backlog</c>.</summary>
    public static InstrumentDescriptor Backlog { get; } = new(
        "kn.eventing.backlog",
        InstrumentKind.ObservableGauge,
        "{event}",
        "Events waiting for a trigger, as last read from the backend by the background refresher, by who sees them: broker (the same reading on " +
            "every replica; add with max) and replica (held by this process; add with sum).",
        [BrokerName, BrokerNamespace, TriggerName, KnativeAttributes.BacklogScope],
        []);

    /// <summary><c>kn.eventing.events.invalid</c>.</summary>
    public static InstrumentDescriptor EventsInvalid { get; } = new(
        "kn.eventing.events.invalid",
        InstrumentKind.Counter,
        "{event}",
        "Events rejected as not valid CloudEvents, at ingress or when read back from the backend, by reason.",
        [BrokerName, BrokerNamespace, ErrorType],
        []);

    /// <summary><c>kn.eventing.trigger.consumers</c>.</summary>
    public static InstrumentDescriptor TriggerConsumers { get; } = new(
        "kn.eventing.trigger.consumers",
        InstrumentKind.ObservableGauge,
        "{consumer}",
        "Trigger consumers of this process by state: running, or failed (died or cannot start; the trigger's events wait in the backend).",
        [BrokerName, BrokerNamespace, TriggerName, KnativeAttributes.ConsumerState],
        []);

    /// <summary>Every instrument above, in catalogue order.</summary>
    public static IReadOnlyList<InstrumentDescriptor> All { get; } =
        [IngressDuration, ProcessDuration, QueueDuration, DispatchDuration, Deliveries, DispatchActive, Backlog, EventsInvalid, TriggerConsumers];
}
