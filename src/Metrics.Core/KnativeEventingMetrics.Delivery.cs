using System.Diagnostics;
using OpenTelemetry.Context.Propagation;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics;

/// <summary>Delivery: an event taken from the backend for a trigger, its attempts and its outcome.</summary>
public sealed partial class KnativeEventingMetrics
{
    /// <summary>Records <c>kn.eventing.process.duration</c>: event taken from the backend → the trigger's filter decided.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="duration">The elapsed time.</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is
    /// on.</param>
    public void RecordProcess(TriggerRef trigger, string? eventType, TimeSpan duration, string? eventSource = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            if (!_processDuration.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = new TagList
            {
                { MessagingSystem, MessagingSystemKnative },
                { MessagingOperationName, OperationProcess },
                { MessagingDestinationName, trigger.SubscriberDestination },
                { BrokerName, trigger.Broker.Name },
                { BrokerNamespace, trigger.Broker.Namespace },
                { TriggerName, trigger.Name },
            };
            AddEventType(ref tags, eventType);
            AddEventSource(ref tags, eventSource);
            _processDuration.Record(Seconds(duration), tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordProcess), ex);
        }
    }

    /// <summary>Records <c>kn.eventing.queue.duration</c>: <c>knativearrivaltime</c> → first dispatch attempt.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="duration">The time waited; a negative value (clock skew between hosts) is recorded as 0.</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is
    /// on.</param>
    public void RecordQueueDuration(TriggerRef trigger, string? eventType, TimeSpan duration, string? eventSource = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            if (!_queueDuration.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = TriggerTags(trigger);
            AddEventType(ref tags, eventType);
            AddEventSource(ref tags, eventSource);
            _queueDuration.Record(Seconds(duration), tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordQueueDuration), ex);
        }
    }

    /// <summary>
    /// Starts one delivery attempt: counts it in <c>kn.eventing.dispatch.active</c> until the returned
    /// attempt is completed, which records <c>kn.eventing.dispatch.duration</c>. Complete it exactly once.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="target">Subscriber, dead-letter sink or reply.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <returns>The running attempt (a value type: do not copy it before completing it).</returns>
    public DispatchAttempt StartDispatch(TriggerRef trigger, DispatchTarget target, string? eventType) =>
        StartDispatch(trigger, target, eventType, KnativeEventingTracing.Current(), 0);

    internal DispatchAttempt StartDispatch(TriggerRef trigger, DispatchTarget target, string? eventType, PropagationContext parent, int resends)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            var boundType = eventType is null ? null : EventTypes.Bound(eventType);
            _dispatchActive.Add(1, TriggerTags(trigger));
            var destination = trigger.DestinationOf(target);
            var span = DispatchAttempt.StartSpan(trigger, target, destination, parent, resends);
            return new DispatchAttempt(this, trigger, destination, boundType, Stopwatch.GetTimestamp(), span, parent);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(StartDispatch), ex);
            return default;
        }
    }

    /// <summary>
    /// Begins following one event taken from the backend for one trigger: the returned scope records the
    /// filter decision, the queue time at the first attempt, every attempt and the final outcome.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="arrivalTime">The event's <c>knativearrivaltime</c>, when present (for <c>kn.eventing.queue.duration</c>).</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is
    /// on.</param>
    /// <returns>The scope of this event and trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trigger"/> is null (a programming error, raised where the scope is
    /// created).</exception>
    public DeliveryScope BeginDelivery(TriggerRef trigger, string? eventType, DateTimeOffset? arrivalTime, string? eventSource)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return new DeliveryScope(this, trigger, eventType, eventSource, arrivalTime);
    }

    /// <summary>
    /// Begins following one event for one trigger, as the other overload does, and starts its process span as a child of the
    /// context the message carried (<see cref="DeliveryTrace.Parent"/>).
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="arrivalTime">The event's <c>knativearrivaltime</c>, when present (for <c>kn.eventing.queue.duration</c>).</param>
    /// <param name="eventSource">The CloudEvent source; on metrics only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/>
    /// is on, always on the span.</param>
    /// <param name="trace">The message's context and the event's id and subject (span attributes only).</param>
    /// <returns>The scope of this event and trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trigger"/> is null.</exception>
    public DeliveryScope BeginDelivery(TriggerRef trigger, string? eventType, DateTimeOffset? arrivalTime, string? eventSource, DeliveryTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return new DeliveryScope(this, trigger, eventType, eventSource, arrivalTime, trace);
    }

    /// <summary>Records one final outcome of an event for a trigger in <c>kn.eventing.deliveries</c>.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="outcome">The final outcome.</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is
    /// on.</param>
    public void RecordDelivery(TriggerRef trigger, string? eventType, DeliveryOutcome outcome, string? eventSource = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            if (!_deliveries.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = TriggerTags(trigger);
            AddEventType(ref tags, eventType);
            tags.Add(KnativeAttributes.DeliveryOutcome, AttributeValues.Of(outcome));
            AddEventSource(ref tags, eventSource);
            _deliveries.Add(1, tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordDelivery), ex);
        }
    }

    /// <summary>
    /// The one rule, for every broker, for a message a trigger's consumer reads back from the backend that is
    /// not a valid CloudEvent (written there by a foreign producer): it is counted once in
    /// <c>kn.eventing.events.invalid</c> by each trigger consumer that reads it (each rejects it), it gets
    /// no <c>kn.eventing.deliveries</c> outcome (it is not an event: it has no type and reaches no subscriber),
    /// and the consumer then acknowledges or commits past it, so it is never read again. Consumers call
    /// this instead of <see cref="RecordInvalidEvent"/>; never throws.
    /// </summary>
    /// <param name="trigger">The trigger whose consumer read the message.</param>
    /// <param name="reason">Why it is not a valid CloudEvent.</param>
    public void RecordInvalidMessage(TriggerRef trigger, InvalidEventReason reason)
    {
        if (trigger is null)
        {
            _failures.Report(nameof(RecordInvalidMessage), new ArgumentNullException(nameof(trigger)));
            return;
        }

        RecordInvalidEvent(trigger.Broker, reason);
    }

    internal void CompleteDispatch(
        TriggerRef trigger,
        string destination,
        string? boundEventType,
        long startTimestamp,
        int? statusCode,
        string? errorType)
    {
        try
        {
            var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
            var tags = new TagList
            {
                { MessagingSystem, MessagingSystemKnative },
                { MessagingOperationName, OperationSend },
                { MessagingDestinationName, destination },
                { BrokerName, trigger.Broker.Name },
                { BrokerNamespace, trigger.Broker.Namespace },
                { TriggerName, trigger.Name },
            };
            if (boundEventType is not null)
            {
                tags.Add(CloudEventsType, boundEventType);
            }

            // A response's status code says what failed; error.type is only for attempts without one.
            AddResult(ref tags, statusCode, statusCode is null ? errorType : null);
            _dispatchDuration.Record(Seconds(elapsed), tags);
            _dispatchActive.Add(-1, TriggerTags(trigger));
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(DispatchAttempt), ex);
        }
    }
}
