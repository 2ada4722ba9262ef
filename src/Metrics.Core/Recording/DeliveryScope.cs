using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Knative.Eventing.Metrics;

/// <summary>
/// One event on its way to one trigger, from the moment it was taken from the backend to its final
/// outcome: records the filter decision (<c>kn.eventing.process.duration</c>), the time it waited
/// (<c>kn.eventing.queue.duration</c>, at the first attempt), each attempt
/// (<c>kn.eventing.dispatch.duration</c>) and the final outcome (<c>kn.eventing.deliveries</c>, once).
/// With tracing on it is also the event's <c>process trigger:{name}.{namespace}</c> span (kind <c>CONSUMER</c>, a child of the
/// context the message carried), the parent of every attempt's span, ended by <see cref="Complete"/> or <see cref="Abandon"/>.
/// Thread-safe; never throws.
/// </summary>
public sealed class DeliveryScope
{
    private readonly KnativeEventingMetrics _metrics;
    private readonly long _takenTimestamp;
    private readonly DateTimeOffset? _arrivalTime;
    private int _filterRecorded;
    private int _attemptStarted;
    private readonly PropagationContext _parent;
    private int _outcome = -1;
    private int _subscriberAttempts;

    internal DeliveryScope(
        KnativeEventingMetrics metrics,
        TriggerRef trigger,
        string? eventType,
        string? eventSource,
        DateTimeOffset? arrivalTime,
        DeliveryTrace trace = default)
    {
        _metrics = metrics;
        Trigger = trigger;
        EventType = eventType;
        EventSource = eventSource;
        _arrivalTime = arrivalTime;
        _takenTimestamp = Stopwatch.GetTimestamp();
        _parent = trace.Parent;
        Activity = StartProcessSpan(trigger, eventType, eventSource, trace);
    }

    /// <summary>The event's process span, or null when tracing is off or the sampler dropped it.</summary>
    public Activity? Activity { get; }

    /// <summary>
    /// The context an attempt started now continues: the process span, else (tracing off) the context the message carried,
    /// so a subscriber still continues the sender's trace.
    /// </summary>
    public PropagationContext TraceContext => new(Activity?.Context ?? _parent.ActivityContext, _parent.Baggage);

    /// <summary>The trigger.</summary>
    public TriggerRef Trigger { get; }

    /// <summary>The event's type, as given (bounded when recorded).</summary>
    public string? EventType { get; }

    /// <summary>The event's source, as given (recorded only when enabled).</summary>
    public string? EventSource { get; }

    /// <summary>The final outcome, once <see cref="Complete"/> was called.</summary>
    public DeliveryOutcome? Outcome => Volatile.Read(ref _outcome) is var o and >= 0 ? (DeliveryOutcome)o : null;

    /// <summary>How many attempts were started.</summary>
    public int Attempts => Volatile.Read(ref _attemptStarted);

    /// <summary>The trigger's filter decided (matched or not): records <c>kn.eventing.process.duration</c> once.</summary>
    public void RecordFilterDecision()
    {
        if (Interlocked.Exchange(ref _filterRecorded, 1) == 0)
        {
            var previous = KnativeEventingTracing.Enter(Activity); // the exemplar is this event's process span
            _metrics.RecordProcess(Trigger, EventType, Stopwatch.GetElapsedTime(_takenTimestamp), EventSource);
            KnativeEventingTracing.Exit(Activity, previous);
        }
    }

    /// <summary>Starts one delivery attempt; the first one also records how long the event waited.</summary>
    /// <param name="target">Subscriber, dead-letter sink or reply.</param>
    /// <returns>The attempt; complete it exactly once.</returns>
    public DispatchAttempt StartAttempt(DispatchTarget target)
    {
        if (Interlocked.Increment(ref _attemptStarted) == 1 && _arrivalTime is { } arrival)
        {
            var previous = KnativeEventingTracing.Enter(Activity);
            _metrics.RecordQueueDuration(Trigger, EventType, DateTimeOffset.UtcNow - arrival, EventSource);
            KnativeEventingTracing.Exit(Activity, previous);
        }

        var resends = target == DispatchTarget.Subscriber ? Interlocked.Increment(ref _subscriberAttempts) - 1 : 0;
        return _metrics.StartDispatch(Trigger, target, EventType, TraceContext, resends);
    }

    /// <summary>Records the final outcome; only the first call counts.</summary>
    /// <param name="outcome">The final outcome.</param>
    /// <returns>Whether this call recorded it (false when an outcome was already recorded).</returns>
    public bool Complete(DeliveryOutcome outcome)
    {
        if (Interlocked.CompareExchange(ref _outcome, (int)outcome, -1) != -1)
        {
            return false;
        }

        var previous = KnativeEventingTracing.Enter(Activity);
        _metrics.RecordDelivery(Trigger, EventType, outcome, EventSource);
        KnativeEventingTracing.Exit(Activity, previous);
        EndSpan(outcome);
        return true;
    }

    /// <summary>
    /// The delivery ends without an outcome (the handler failed and the message goes back to the backend, or the host is
    /// stopping): ends the process span with an error; no <c>kn.eventing.deliveries</c> is recorded. Does nothing after
    /// <see cref="Complete"/>.
    /// </summary>
    /// <param name="errorType">Why (see <see cref="ErrorTypes"/>).</param>
    public void Abandon(string errorType)
    {
        if (Interlocked.CompareExchange(ref _outcome, -2, -1) != -1 || Activity is null)
        {
            return;
        }

        KnativeEventingTracing.SetResult(Activity, null, errorType ?? ErrorTypes.Other);
        KnativeEventingTracing.Stop(Activity);
    }

    private void EndSpan(DeliveryOutcome outcome)
    {
        if (Activity is null)
        {
            return;
        }

        try
        {
            Activity.SetTag(KnativeAttributes.DeliveryOutcome, AttributeValues.Of(outcome));
            if (outcome == Metrics.DeliveryOutcome.Dropped)
            {
                Activity.SetStatus(ActivityStatusCode.Error, AttributeValues.Of(outcome));
            }
        }
        catch (Exception)
        {
            // Never into the host.
        }

        KnativeEventingTracing.Stop(Activity);
    }

    private static Activity? StartProcessSpan(TriggerRef trigger, string? eventType, string? eventSource, DeliveryTrace trace)
    {
        if (!KnativeEventingTracing.Source.HasListeners())
        {
            return null;
        }

        var tags = KnativeEventingTracing.BrokerTags(
            KnativeAttributes.OperationProcess, SpanAttributes.OperationTypeProcess, trigger.SubscriberDestination, trigger.Broker);
        tags.Add(KnativeAttributes.TriggerName, trigger.Name);
        KnativeEventingTracing.AddEvent(ref tags, trace.EventId, eventType, eventSource, trace.EventSubject);
        return KnativeEventingTracing.Start(
            trigger.ProcessSpanName,
            ActivityKind.Consumer,
            trace.Parent.ActivityContext,
            tags,
            becomeCurrent: false);
    }
}
