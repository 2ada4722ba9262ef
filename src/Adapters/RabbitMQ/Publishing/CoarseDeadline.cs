namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// Cancellation tokens that fire between <c>timeout</c> and <c>timeout + timeout/4</c> after they were
/// handed out, shared by every publish started in the same quarter-timeout window. This replaces a
/// linked token source and a timer per publish (allocation and timer-queue contention on the hot path)
/// with one per window. Written by hand: no library offers a shared, coarse deadline token.
/// </summary>
internal sealed class CoarseDeadline
{
    private readonly TimeSpan _timeout;
    private readonly long _windowMilliseconds;
    private readonly Lock _lock = new();
    private Window _current;

    public CoarseDeadline(TimeSpan timeout)
    {
        _timeout = timeout;
        _windowMilliseconds = Math.Max(1, (long)(timeout.TotalMilliseconds / 4));
        _current = NewWindow(Environment.TickCount64);
    }

    /// <summary>A token that is cancelled at least <c>timeout</c> from now.</summary>
    public CancellationToken Token
    {
        get
        {
            var now = Environment.TickCount64;
            var window = Volatile.Read(ref _current);
            if (now < window.End)
            {
                return window.Source.Token;
            }

            lock (_lock)
            {
                if (now >= _current.End)
                {
                    // The old source is not disposed: publishes may still hold its token; it fires and is collected.
                    Volatile.Write(ref _current, NewWindow(now));
                }

                return _current.Source.Token;
            }
        }
    }

    private Window NewWindow(long now)
    {
        var source = new CancellationTokenSource();
        source.CancelAfter(_timeout + TimeSpan.FromMilliseconds(_windowMilliseconds));
        return new Window(now + _windowMilliseconds, source);
    }

    private sealed record Window(long End, CancellationTokenSource Source);
}
