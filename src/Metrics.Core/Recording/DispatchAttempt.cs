using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace Knative.Eventing.Metrics;

/// <summary>
/// One running delivery attempt, from <see cref="KnativeEventingMetrics.StartDispatch(TriggerRef, DispatchTarget, string?)"/>. Completing
/// it records <c>kn.eventing.dispatch.duration</c> and ends its count in <c>kn.eventing.dispatch.active</c>;
/// only the first completion counts. A default instance records nothing. With tracing on it is also the attempt's
/// <c>send {destination}</c> span (kind <c>CLIENT</c>; <c>http.response.status_code</c>, <c>error.type</c> and an error status
/// on failure, <c>http.request.resend_count</c> on a retry).
/// </summary>
public struct DispatchAttempt
{
    private readonly KnativeEventingMetrics? _metrics;
    private readonly TriggerRef? _trigger;
    private readonly string? _destination;
    private readonly string? _eventType;
    private readonly long _startTimestamp;
    private readonly PropagationContext _parent;
    private bool _completed;

    internal DispatchAttempt(
        KnativeEventingMetrics metrics,
        TriggerRef trigger,
        string destination,
        string? boundEventType,
        long startTimestamp,
        Activity? activity,
        PropagationContext parent)
    {
        _metrics = metrics;
        _trigger = trigger;
        _destination = destination;
        _eventType = boundEventType;
        _startTimestamp = startTimestamp;
        _parent = parent;
        Activity = activity;
        _completed = false;
    }

    /// <summary>The attempt's span, or null when tracing is off or the sampler dropped it.</summary>
    public readonly Activity? Activity { get; }

    /// <summary>
    /// Writes the context the subscriber continues (this attempt's span; with tracing off, the context the message carried) as
    /// <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> into the request's headers.
    /// </summary>
    /// <typeparam name="T">The carrier's type.</typeparam>
    /// <param name="carrier">The outgoing request's headers.</param>
    /// <param name="setter">Sets one header.</param>
    public readonly void InjectTraceContext<T>(T carrier, Action<T, string, string> setter) =>
        KnativeEventingTracing.Inject(new PropagationContext(Activity?.Context ?? _parent.ActivityContext, _parent.Baggage), carrier, setter);

    /// <summary>Whether the attempt was completed (or is a default instance).</summary>
    public readonly bool IsCompleted => _completed || _metrics is null;

    /// <summary>The attempt answered with an HTTP status; a non-2xx status is the failure's description.</summary>
    /// <param name="statusCode">The response's status code.</param>
    public void Complete(int statusCode) => Finish(statusCode, null);

    /// <summary>The attempt succeeded without an HTTP response (an in-process subscriber).</summary>
    public void Complete() => Finish(null, null);

    /// <summary>The attempt failed without a response.</summary>
    /// <param name="errorType">Why (see <see cref="ErrorTypes"/>).</param>
    public void Fail(string errorType) => Finish(null, errorType ?? ErrorTypes.Other);

    /// <summary>The attempt failed with an exception and no response.</summary>
    /// <param name="exception">The exception; its <c>error.type</c> follows <see cref="ErrorTypes.FromException"/>.</param>
    public void Fail(Exception exception) => Finish(null, ErrorTypes.FromException(exception));

    private void Finish(int? statusCode, string? errorType)
    {
        if (_completed || _metrics is null)
        {
            return;
        }

        _completed = true;
        var previous = KnativeEventingTracing.Enter(Activity); // the duration's exemplar is this attempt
        _metrics.CompleteDispatch(_trigger!, _destination!, _eventType, _startTimestamp, statusCode, errorType);
        KnativeEventingTracing.Exit(Activity, previous);
        if (Activity is not null)
        {
            KnativeEventingTracing.SetResult(Activity, statusCode, statusCode is null ? errorType : null);
            KnativeEventingTracing.Stop(Activity);
        }
    }

    internal static Activity? StartSpan(TriggerRef trigger, DispatchTarget target, string destination, PropagationContext parent, int resends)
    {
        if (!KnativeEventingTracing.Source.HasListeners())
        {
            return null;
        }

        var tags = KnativeEventingTracing.BrokerTags(
            KnativeAttributes.OperationSend, SpanAttributes.OperationTypeSend, destination, trigger.Broker);
        tags.Add(KnativeAttributes.TriggerName, trigger.Name);
        if (resends > 0)
        {
            tags.Add(SpanAttributes.ResendCount, resends);
        }

        return KnativeEventingTracing.Start(
            trigger.AttemptSpanName(target), ActivityKind.Client, parent.ActivityContext, tags, becomeCurrent: false);
    }
}
