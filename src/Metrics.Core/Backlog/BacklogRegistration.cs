namespace Knative.Eventing.Metrics;

/// <summary>One registered backlog source and the last reading the refresher took from it.</summary>
internal sealed class BacklogRegistration(
    BacklogMonitor monitor,
    TriggerRef trigger,
    Func<CancellationToken,
    ValueTask<BacklogReading>> read) : IDisposable
{
    private readonly Lock _lock = new();
    private BacklogReading _value;
    private int _state; // 0 = never read, 1 = value valid, 2 = last read failed

    public TriggerRef Trigger { get; } = trigger;

    public Func<CancellationToken, ValueTask<BacklogReading>> Read { get; } = read;

    /// <summary>The cached reading, or null when no valid reading is known (never read, or the last read failed).</summary>
    public BacklogReading? Value
    {
        get
        {
            lock (_lock)
            {
                return _state == 1 ? _value : null;
            }
        }
    }

    /// <summary>Stores a successful read; returns true when the source recovered from a failure.</summary>
    public bool Succeeded(BacklogReading value)
    {
        lock (_lock)
        {
            _value = value;
            var recovered = _state == 2;
            _state = 1;
            return recovered;
        }
    }

    /// <summary>Drops the cached value; returns true when this is the first failure after a good read or start.</summary>
    public bool Failed()
    {
        lock (_lock)
        {
            var first = _state != 2;
            _state = 2;
            return first;
        }
    }

    public void Dispose() => monitor.Unregister(this);
}
