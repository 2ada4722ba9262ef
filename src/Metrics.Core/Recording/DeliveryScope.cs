using System.Diagnostics;

namespace Knative.Eventing.Metrics;

/// <summary>
/// One event on its way to one trigger, from the moment it was taken from the backend to its final
/// outcome: records the filter decision (<c>kn.eventing.process.duration</c>), the time it waited
/// (<c>kn.eventing.queue.duration</c>, at the first attempt), each attempt
/// (<c>kn.eventing.dispatch.duration</c>) and the final outcome (<c>kn.eventing.deliveries</c>, once).
/// Thread-safe; never throws.
/// </summary>
public sealed class DeliveryScope
{
    private readonly KnativeEventingMetrics _metrics;
    private readonly long _takenTimestamp;
    private readonly DateTimeOffset? _arrivalTime;
    private int _filterRecorded;
    private int _attemptStarted;
    private int _outcome = -1;

    internal DeliveryScope(KnativeEventingMetrics metrics, TriggerRef trigger, string? eventType, string? eventSource, DateTimeOffset? arrivalTime)
    {
        _metrics = metrics;
        Trigger = trigger;
        EventType = eventType;
        EventSource = eventSource;
        _arrivalTime = arrivalTime;
        _takenTimestamp = Stopwatch.GetTimestamp();
    }

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
            _metrics.RecordProcess(Trigger, EventType, Stopwatch.GetElapsedTime(_takenTimestamp), EventSource);
        }
    }

    /// <summary>Starts one delivery attempt; the first one also records how long the event waited.</summary>
    /// <param name="target">Subscriber, dead-letter sink or reply.</param>
    /// <returns>The attempt; complete it exactly once.</returns>
    public DispatchAttempt StartAttempt(DispatchTarget target)
    {
        if (Interlocked.Increment(ref _attemptStarted) == 1 && _arrivalTime is { } arrival)
        {
            _metrics.RecordQueueDuration(Trigger, EventType, DateTimeOffset.UtcNow - arrival, EventSource);
        }

        return _metrics.StartDispatch(Trigger, target, EventType);
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

        _metrics.RecordDelivery(Trigger, EventType, outcome, EventSource);
        return true;
    }
}
