using System.Threading.Channels;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Exporter.Model;

namespace Knative.Eventing.Metrics.Exporter.Backends;

/// <summary>
/// The default backend: one in-process queue per trigger. Publishing checks every queue of the broker
/// against the capacity first and then enqueues to all, so an event is accepted for all triggers or
/// for none (503). An event leaves its queue only after its final outcome.
/// </summary>
internal sealed class EmbeddedBackend(KnativeEventingMetrics metrics, int capacity) : IEventBackend
{
    private readonly Dictionary<TriggerRef, TriggerQueue> _queues = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _workers = [];
    private readonly List<IDisposable> _backlogs = [];
    private readonly List<TriggerConsumerHealth> _health = [];
    private readonly Lock _publishLock = new();
    private BrokerModel _model = null!;
    private bool _closed;

    public Task StartAsync(BrokerModel model, DispatchEvent dispatch, CancellationToken cancellationToken)
    {
        _model = model;
        foreach (var trigger in model.Triggers)
        {
            var queue = new TriggerQueue();
            _queues[trigger.Ref] = queue;
            _backlogs.Add(metrics.RegisterBacklogSource(trigger.Ref, _ => ValueTask.FromResult(BacklogReading.ReplicaOnly(queue.Pending))));
            var health = metrics.RegisterConsumer(trigger.Ref);
            _health.Add(health);
            for (var i = 0; i < trigger.Parallelism; i++)
            {
                _workers.Add(Task.Run(() => WorkUntilDoneAsync(trigger, queue, dispatch, health)));
            }
        }

        return Task.CompletedTask;
    }

    public Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        var queues = _model.TriggersOf(broker).Select(t => _queues[t.Ref]).ToList();
        lock (_publishLock)
        {
            if (_closed)
            {
                throw new EventPublishException(ErrorTypes.ConnectionRefused, "The broker is shutting down.", null);
            }

            if (queues.Any(q => q.Pending + events.Count > capacity))
            {
                throw new EventPublishException(ErrorTypes.QueueFull, $"A trigger queue of broker {broker} holds {capacity} events; retry later.", null);
            }

            foreach (var queue in queues)
            {
                foreach (var cloudEvent in events)
                {
                    queue.Enqueue(cloudEvent);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Always connected: the backend is in the process.</summary>
    public string? Disconnected => null;

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
            await WorkAsync(trigger, queue, dispatch).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            // A worker that dies leaves the trigger's queue to the others, or to nobody: an outage to show.
            health.MarkFailed(ex, "a dispatch worker ended");
        }
    }

    private async Task WorkAsync(TriggerModel trigger, TriggerQueue queue, DispatchEvent dispatch)
    {
        await foreach (var cloudEvent in queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                var scope = metrics.BeginDelivery(trigger.Ref, cloudEvent.Type, KnativeArrivalTime.Parse(cloudEvent[KnativeArrivalTime.AttributeName]), cloudEvent.Source?.ToString());
                var outcome = await dispatch(trigger, cloudEvent, scope, _stopping.Token).ConfigureAwait(false);
                scope.Complete(outcome);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                // Shutting down past the drain timeout.
            }
            finally
            {
                queue.Done();
            }
        }
    }

    /// <summary>A trigger's queue; <see cref="Pending"/> counts queued and in-flight events (the backlog).</summary>
    private sealed class TriggerQueue
    {
        private readonly Channel<CloudEvent> _channel = Channel.CreateUnbounded<CloudEvent>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
        private int _pending;

        public ChannelReader<CloudEvent> Reader => _channel.Reader;

        public int Pending => Volatile.Read(ref _pending);

        public void Enqueue(CloudEvent cloudEvent)
        {
            Interlocked.Increment(ref _pending);
            _channel.Writer.TryWrite(cloudEvent);
        }

        public void Done() => Interlocked.Decrement(ref _pending);

        public void Complete() => _channel.Writer.TryComplete();
    }
}
