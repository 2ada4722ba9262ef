namespace Knative.Eventing.Metrics.Broker.Dispatch;

/// <summary>
/// A delivery's claim on one of its trigger's parallelism slots: a trigger's parallelism bounds the attempts
/// in flight to its subscriber, not the events waiting for a retry. A delivery whose slot is
/// <see cref="CanYield">yieldable</see> gives it back for a retry's backoff and takes one again for the next
/// attempt, so a subscriber that fails now and then (retried after a delay) does not hold the trigger's slots
/// idle and stall its queue. Ordered deliveries (parallelism 1) keep their slot through the backoff, as
/// order requires; so do backends whose consumer bounds the deliveries itself (<see cref="ConsumerBounded"/>).
/// Not thread-safe: one delivery uses it at a time.
/// </summary>
internal sealed class DeliverySlot
{
    private readonly SemaphoreSlim? _gate;
    private readonly bool _inOrder;
    private bool _held;

    private DeliverySlot(SemaphoreSlim? gate, bool inOrder)
    {
        _gate = gate;
        _inOrder = inOrder;
        _held = true;
    }

    /// <summary>A delivery whose concurrency the backend's consumer bounds (RabbitMQ prefetch, Kafka MaxInFlight): nothing to take or give
    /// back.</summary>
    public static DeliverySlot ConsumerBounded { get; } = new(null, inOrder: true);

    /// <summary>
    /// A delivery that already took a slot of <paramref name="gate"/> (the backend took it before starting the
    /// delivery); <paramref name="inOrder"/>: the trigger delivers one event at a time, the slot is kept through backoffs.
    /// </summary>
    public static DeliverySlot Taken(SemaphoreSlim gate, bool inOrder) => new(gate, inOrder);

    /// <summary>Whether the slot is given back during a retry's backoff.</summary>
    public bool CanYield => _gate is not null && !_inOrder;

    /// <summary>Takes a slot for the next attempt unless the delivery holds one.</summary>
    public ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        if (_held || _gate is null)
        {
            return ValueTask.CompletedTask;
        }

        return EnterSlowAsync(cancellationToken);
    }

    /// <summary>Gives the slot back (a retry's backoff, or the delivery's end); taking it again is <see cref="EnterAsync"/>.</summary>
    public void Release()
    {
        if (_held && _gate is not null)
        {
            _held = false;
            _gate.Release();
        }
    }

    private async ValueTask EnterSlowAsync(CancellationToken cancellationToken)
    {
        await _gate!.WaitAsync(cancellationToken).ConfigureAwait(false);
        _held = true;
    }
}
