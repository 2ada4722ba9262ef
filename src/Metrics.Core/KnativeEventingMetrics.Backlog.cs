namespace Knative.Eventing.Metrics;

/// <summary>Backlog sources and trigger consumers, read in the background for the observable gauges.</summary>
public sealed partial class KnativeEventingMetrics
{
    /// <summary>
    /// Registers the backlog source of a trigger for <c>kn.eventing.backlog</c>. A background refresher
    /// calls <paramref name="readBacklog"/> every <see cref="KnativeEventingMetricsOptions.BacklogRefreshInterval"/>
    /// (with <see cref="KnativeEventingMetricsOptions.BacklogProbeTimeout"/>) and caches the value; a
    /// scrape reads only the cache. A failed read removes the value until the next good one. Each reading
    /// is reported as two series (<c>kn.backlog.scope</c> = broker, replica) so that N replicas add up:
    /// the true backlog is max over replicas of the broker part plus the sum of the replica parts.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="readBacklog">
    /// Reads the events waiting for the trigger: what every replica reads alike from the broker, and what
    /// only this process holds (<see cref="BacklogReading.BrokerWide"/>, <see cref="BacklogReading.ReplicaOnly"/>).
    /// </param>
    /// <returns>Dispose to unregister.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The trigger already has a backlog source.</exception>
    /// <exception cref="ObjectDisposedException">This instance was disposed.</exception>
    public IDisposable RegisterBacklogSource(TriggerRef trigger, Func<CancellationToken, ValueTask<BacklogReading>> readBacklog) =>
        _backlog.Register(trigger, readBacklog);

    /// <summary>
    /// Registers a consumer of <paramref name="trigger"/> for <c>kn.eventing.trigger.consumers</c> (state
    /// running until the consumer reports otherwise) and for <see cref="Consumers"/>, which health checks read.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <returns>The consumer's health: mark it failed when the consumer dies, dispose it when the consumer stops.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trigger"/> is null.</exception>
    public TriggerConsumerHealth RegisterConsumer(TriggerRef trigger) => _consumers.Register(trigger);

    /// <summary>The registered trigger consumers and their states, e.g. for a health check.</summary>
    public IReadOnlyList<TriggerConsumerHealth> Consumers => _consumers.Snapshot();

    /// <summary>Reads every backlog source now, instead of waiting for the next interval.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when every source was read (or failed).</returns>
    internal Task RefreshBacklogAsync(CancellationToken cancellationToken = default) =>
        _backlog.RefreshAsync(cancellationToken);
}
