using Knative.Eventing.Metrics.Broker.Publishing;
using Knative.Eventing.Metrics.CloudEvents;
using System.Threading.Channels;
using CloudNative.CloudEvents;
using OpenTelemetry.Context.Propagation;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Broker.Model;

namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>
/// The default backend: one in-process queue per trigger. Publishing checks every queue of the broker
/// against the capacity first and then enqueues to all, so an event is accepted for all triggers or
/// for none (503). An event leaves its queue only after its final outcome. Per trigger, one reader starts
/// each event's delivery when one of the trigger's parallelism slots is free; a delivery waiting for a
/// retry gives its slot back (<see cref="DeliverySlot"/>), unless the trigger has a single slot (in order).
/// </summary>
internal sealed class EmbeddedBackend(KnativeEventingMetrics metrics, int capacity) : IEventBackend
{
    private readonly Dictionary<TriggerRef, TriggerQueue> _queues = [];
    private readonly Dictionary<BrokerRef, (TriggerRef Trigger, TriggerQueue Queue)[]> _brokerQueues = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _workers = [];
    private readonly List<IDisposable> _backlogs = [];
    private readonly List<TriggerConsumerHealth> _health = [];
    private readonly Lock _publishLock = new();
    private bool _closed;

    public Task StartAsync(Topology model, DispatchEvent dispatch, CancellationToken cancellationToken)
    {
        foreach (var trigger in model.Triggers)
        {
            var queue = new TriggerQueue();
            _queues[trigger.Ref] = queue;
            _backlogs.Add(metrics.RegisterBacklogSource(trigger.Ref, _ => ValueTask.FromResult(BacklogReading.ReplicaOnly(queue.Pending))));
            var health = metrics.RegisterConsumer(trigger.Ref);
            _health.Add(health);
            _workers.Add(Task.Run(() => WorkUntilDoneAsync(trigger, queue, dispatch, health)));
        }

        foreach (var broker in model.Brokers)
        {
            _brokerQueues[broker] = [.. model.TriggersOf(broker).Select(t => (t.Ref, _queues[t.Ref]))];
        }

        return Task.CompletedTask;
    }

    public Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        var queues = _brokerQueues.GetValueOrDefault(broker) ?? [];
        lock (_publishLock)
        {
            if (_closed)
            {
                throw new PublishRejectedException(ErrorTypes.ConnectionRefused, "The broker is shutting down.", null);
            }

            foreach (var (trigger, queue) in queues)
            {
                if (queue.Pending + events.Count > capacity)
                {
                    // The configured limit (Broker:QueueCapacity) of the slowest trigger: all or none, so nothing is accepted.
                    throw new PublishRejectedException(
                        ErrorTypes.QueueFull,
                        $"The queue of trigger {trigger} holds {queue.Pending} of at most {capacity} events (Broker:QueueCapacity); retry later.",
                        null);
                }
            }

            foreach (var cloudEvent in events)
            {
                // The publish span (PRODUCER) is what the queued event carries to the triggers' process spans.
                PropagationContext context;
                using (KnativeEventingTracing.StartPublish(
                    broker, cloudEvent.Id, cloudEvent.Type, cloudEvent.Source?.ToString(), cloudEvent.Subject))
                {
                    context = KnativeEventingTracing.Current();
                }

                foreach (var (_, queue) in queues)
                {
                    queue.Enqueue(new QueuedEvent(cloudEvent, context));
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Always connected: the backend is in the process.</summary>
    public string? UnavailableReason => null;

    public async Task DrainAsync(TimeSpan timeout)
    {
        lock (_publishLock)
        {
            // From here the ingress answers 503: nothing is accepted that could not be delivered.
            _closed = true;
            foreach (var queue in _queues.Values)
            {
                queue.Complete();
            }
        }

        await Task.WhenAny(Task.WhenAll(_workers), Task.Delay(timeout)).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await DrainAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        _backlogs.ForEach(b => b.Dispose());
        _health.ForEach(h => h.Dispose());
        _stopping.Dispose();
    }

    private async Task WorkUntilDoneAsync(TriggerModel trigger, TriggerQueue queue, DispatchEvent dispatch, TriggerConsumerHealth health)
    {
        try
        {
            await WorkAsync(trigger, queue, dispatch, health).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down past the drain timeout: the deliveries in flight are cancelled.
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // A reader that dies leaves the trigger's queue to nobody: an outage to show.
            health.MarkFailed(ex, "the trigger's dispatch reader ended");
        }
    }

    /// <summary>
    /// Takes the trigger's events in queue order, each once a slot is free, and delivers them concurrently;
    /// returns when the queue is completed and every delivery is done.
    /// </summary>
    private async Task WorkAsync(TriggerModel trigger, TriggerQueue queue, DispatchEvent dispatch, TriggerConsumerHealth health)
    {
        // Not disposed: deliveries cancelled past the drain timeout may still give their slot back (a SemaphoreSlim
        // whose wait handle is never used holds nothing to dispose).
        var slots = new SemaphoreSlim(trigger.Parallelism, trigger.Parallelism);
        await foreach (var queued in queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
            var slot = DeliverySlot.Taken(slots, inOrder: trigger.Parallelism == 1);
            _ = DeliverAsync(trigger, queue, queued, dispatch, slot, health);
        }

        await queue.Drained.ConfigureAwait(false);
    }

    private async Task DeliverAsync(
        TriggerModel trigger,
        TriggerQueue queue,
        QueuedEvent queued,
        DispatchEvent dispatch,
        DeliverySlot slot,
        TriggerConsumerHealth health)
    {
        DeliveryScope? scope = null;
        try
        {
            scope = metrics.BeginDelivery(trigger.Ref, queued.Event, queued.Context);
            var outcome = await dispatch(trigger, queued.Event, scope, slot, _stopping.Token).ConfigureAwait(false);
            scope.Complete(outcome);
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Shutting down past the drain timeout.
        }
        catch (Exception ex)
        {
            // The dispatcher handles subscriber failures; anything else is a defect to show, not to hide.
            health.MarkFailed(ex, "a delivery failed unexpectedly");
        }
        finally
        {
            if (scope is { Outcome: null })
            {
                scope.Abandon(typeof(OperationCanceledException).FullName!);
            }

            slot.Release();
            queue.Done();
        }
    }

    /// <summary>An event in a trigger's queue with the context of its publish span (for the trigger's process span).</summary>
    private readonly record struct QueuedEvent(CloudEvent Event, PropagationContext Context);

    /// <summary>
    /// A trigger's queue; <see cref="Pending"/> counts queued and in-flight events (the backlog), and
    /// <see cref="Drained"/> completes once the queue is completed and nothing is pending.
    /// </summary>
    private sealed class TriggerQueue
    {
        private readonly Channel<QueuedEvent> _channel =
            Channel.CreateUnbounded<QueuedEvent>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = true });
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending;
        private volatile bool _completed;

        public ChannelReader<QueuedEvent> Reader => _channel.Reader;

        public int Pending => Volatile.Read(ref _pending);

        public Task Drained => _drained.Task;

        public void Enqueue(QueuedEvent queued)
        {
            Interlocked.Increment(ref _pending);
            _channel.Writer.TryWrite(queued);
        }

        public void Done()
        {
            if (Interlocked.Decrement(ref _pending) == 0 && _completed)
            {
                _drained.TrySetResult();
            }
        }

        public void Complete()
        {
            _completed = true;
            _channel.Writer.TryComplete();
            if (Pending == 0)
            {
                _drained.TrySetResult();
            }
        }
    }
}
