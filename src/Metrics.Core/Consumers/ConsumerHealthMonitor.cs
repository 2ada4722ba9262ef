using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Knative.Eventing.Metrics;

/// <summary>
/// The registered trigger consumers; the <c>kn.eventing.trigger.consumers</c> gauge reads their states
/// (both states of every trigger are reported, 0 or more, so an alert on <c>failed</c> has a series from startup).
/// </summary>
internal sealed class ConsumerHealthMonitor
{
    private static readonly string Running = AttributeValues.Of(ConsumerState.Running);
    private static readonly string Failed = AttributeValues.Of(ConsumerState.Failed);
    private readonly Lock _lock = new();
    private readonly List<TriggerConsumerHealth> _consumers = [];

    public TriggerConsumerHealth Register(TriggerRef trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var health = new TriggerConsumerHealth(this, trigger);
        lock (_lock)
        {
            _consumers.Add(health);
        }

        return health;
    }

    public void Unregister(TriggerConsumerHealth health)
    {
        lock (_lock)
        {
            _consumers.Remove(health);
        }
    }

    public IReadOnlyList<TriggerConsumerHealth> Snapshot()
    {
        lock (_lock)
        {
            return [.. _consumers];
        }
    }

    /// <summary>The gauge callback: per trigger, how many consumers run and how many failed.</summary>
    public IEnumerable<Measurement<long>> Observe()
    {
        foreach (var group in Snapshot().GroupBy(c => c.Trigger))
        {
            var failed = group.LongCount(c => c.State == ConsumerState.Failed);
            yield return new Measurement<long>(group.LongCount() - failed, Tags(group.Key, Running));
            yield return new Measurement<long>(failed, Tags(group.Key, Failed));
        }
    }

    private static TagList Tags(TriggerRef trigger, string state) => new()
    {
        { KnativeAttributes.BrokerName, trigger.Broker.Name },
        { KnativeAttributes.BrokerNamespace, trigger.Broker.Namespace },
        { KnativeAttributes.TriggerName, trigger.Name },
        { KnativeAttributes.ConsumerState, state },
    };
}
