namespace Knative.Eventing.Metrics;

/// <summary>One registered backlog source and the last value the refresher read from it.</summary>
internal sealed class BacklogRegistration(BacklogMonitor monitor, TriggerRef trigger, Func<CancellationToken, ValueTask<long>> read) : IDisposable
{
    private long _value;
    private int _state; // 0 = never read, 1 = value valid, 2 = last read failed

    public TriggerRef Trigger { get; } = trigger;

    public Func<CancellationToken, ValueTask<long>> Read { get; } = read;

    /// <summary>The cached value, or null when no valid value is known (never read, or the last read failed).</summary>
    public long? Value => Volatile.Read(ref _state) == 1 ? Interlocked.Read(ref _value) : null;

    /// <summary>Stores a successful read; returns true when the source recovered from a failure.</summary>
    public bool Succeeded(long value)
    {
        Interlocked.Exchange(ref _value, value);
        return Interlocked.Exchange(ref _state, 1) == 2;
    }

    /// <summary>Drops the cached value; returns true when this is the first failure after a good read or start.</summary>
    public bool Failed() => Interlocked.Exchange(ref _state, 2) != 2;

    public void Dispose() => monitor.Unregister(this);
}
