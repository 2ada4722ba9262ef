namespace Knative.Eventing.Metrics;

/// <summary>
/// The health of one trigger consumer, counted in <c>kn.eventing.trigger.consumers</c> by state from its
/// registration (<see cref="KnativeEventingMetrics.RegisterConsumer"/>) until it is disposed (the consumer
/// stopped on purpose). Consumers report <see cref="MarkFailed"/> when they die or cannot start, and
/// <see cref="MarkRunning"/> when they take events again. Both are cheap and never throw.
/// </summary>
public sealed class TriggerConsumerHealth : IDisposable
{
    private readonly ConsumerHealthMonitor _monitor;
    private volatile string? _failure;

    internal TriggerConsumerHealth(ConsumerHealthMonitor monitor, TriggerRef trigger)
    {
        _monitor = monitor;
        Trigger = trigger;
    }

    /// <summary>The trigger.</summary>
    public TriggerRef Trigger { get; }

    /// <summary>The current state.</summary>
    public ConsumerState State => _failure is null ? ConsumerState.Running : ConsumerState.Failed;

    /// <summary>Why the consumer failed (the exception's type and message); <see langword="null"/> while running.</summary>
    public string? Failure => _failure;

    /// <summary>The consumer takes events (again).</summary>
    public void MarkRunning() => _failure = null;

    /// <summary>The consumer died or cannot take events.</summary>
    /// <param name="reason">What it failed with; <see langword="null"/> when there is no exception.</param>
    /// <param name="description">What happened, when <paramref name="reason"/> does not say it.</param>
    public void MarkFailed(Exception? reason, string? description = null)
    {
        var text = reason is null ? description ?? "failed" : $"{reason.GetType().FullName}: {reason.Message}";
        _failure = description is not null && reason is not null ? $"{description} ({text})" : text;
    }

    /// <summary>The consumer stopped on purpose: it is no longer counted.</summary>
    public void Dispose() => _monitor.Unregister(this);
}
