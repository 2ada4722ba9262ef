namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// A trigger consumer's records taken and not finished, as <c>kafka.consumer.in_flight</c> reports them: the consume loop
/// waits on <see cref="WaitForProgress"/> while the limit holds every partition back, and stopping waits for <see cref="WhenIdleAsync"/>.
/// </summary>
internal sealed class InFlightRecords
{
    private readonly KafkaInstrumentation _instrumentation;
    private readonly string _topic;
    private readonly string _group;
    private readonly ManualResetEventSlim _progress = new(false); // never disposed: a handler past the abort grace may still finish
    private int _count;
    private TaskCompletionSource? _idle;

    public InFlightRecords(KafkaInstrumentation instrumentation, string topic, string group)
    {
        _instrumentation = instrumentation;
        _topic = topic;
        _group = group;
        instrumentation.RecordInFlight(topic, group, 0); // the series exists, at 0, before any record
    }

    public int Count => Volatile.Read(ref _count);

    public void Add()
    {
        Interlocked.Increment(ref _count);
        _instrumentation.RecordInFlight(_topic, _group, 1);
    }

    /// <summary>A record finished or was given up: wakes the loop, and a stop waiting for the last one.</summary>
    public void Remove()
    {
        _instrumentation.RecordInFlight(_topic, _group, -1);
        if (Interlocked.Decrement(ref _count) == 0)
        {
            Volatile.Read(ref _idle)?.TrySetResult();
        }

        _progress.Set();
    }

    /// <summary>
    /// Blocks the loop thread until a record finishes, <paramref name="timeout"/> passes or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public void WaitForProgress(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            _progress.Wait(timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends on its next turn.
        }

        _progress.Reset();
    }

    /// <summary>
    /// Blocks the loop thread, waking as records finish, until <paramref name="done"/> holds, <paramref name="timeout"/>
    /// passes or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public void WaitUntil(Func<bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done() && !cancellationToken.IsCancellationRequested && deadline - DateTime.UtcNow is { Ticks: > 0 } left)
        {
            WaitForProgress(left, cancellationToken);
        }
    }

    /// <summary>Completes when no record is in flight; call once no more are added (the loop ended).</summary>
    public Task WhenIdleAsync()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _idle, idle);
        if (Count == 0)
        {
            idle.TrySetResult();
        }

        return idle.Task;
    }
}
