namespace Knative.Eventing.Metrics;

/// <summary>
/// One reading of a trigger's backlog, split by who can see it (<see cref="BacklogScope"/>), so that
/// readings from N replicas add up to the true backlog: max over replicas of <see cref="Broker"/> plus
/// the sum over replicas of <see cref="Replica"/>.
/// </summary>
/// <param name="Broker">Events waiting in the broker, the same reading on every replica.</param>
/// <param name="Replica">Events held by this process only, not included in <paramref name="Broker"/>.</param>
public readonly record struct BacklogReading(long Broker, long Replica)
{
    /// <summary>A reading of a broker-wide source that includes what this process holds (Kafka group lag).</summary>
    /// <param name="waiting">The broker-wide backlog.</param>
    /// <returns>The reading, with nothing held by the replica alone.</returns>
    public static BacklogReading BrokerWide(long waiting) => new(waiting, 0);

    /// <summary>A reading of a source only this process sees (an in-process queue).</summary>
    /// <param name="held">The events this process holds.</param>
    /// <returns>The reading, with nothing in a shared broker.</returns>
    public static BacklogReading ReplicaOnly(long held) => new(0, held);
}
