namespace Knative.Eventing.Metrics;

/// <summary>
/// One running delivery attempt, from <see cref="KnativeEventingMetrics.StartDispatch"/>. Completing
/// it records <c>kn.eventing.dispatch.duration</c> and ends its count in <c>kn.eventing.dispatch.active</c>;
/// only the first completion counts. A default instance records nothing.
/// </summary>
public struct DispatchAttempt
{
    private readonly KnativeEventingMetrics? _metrics;
    private readonly TriggerRef? _trigger;
    private readonly string? _destination;
    private readonly string? _eventType;
    private readonly long _startTimestamp;
    private bool _completed;

    internal DispatchAttempt(KnativeEventingMetrics metrics, TriggerRef trigger, string destination, string? boundEventType, long startTimestamp)
    {
        _metrics = metrics;
        _trigger = trigger;
        _destination = destination;
        _eventType = boundEventType;
        _startTimestamp = startTimestamp;
        _completed = false;
    }

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
        _metrics.CompleteDispatch(_trigger!, _destination!, _eventType, _startTimestamp, statusCode, errorType);
    }
}
