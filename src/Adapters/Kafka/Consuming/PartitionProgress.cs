using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// One assigned partition's records between poll and final outcome, and the offset that is safe to commit: the lowest
/// record without a final outcome, or the one after the highest taken when all are finished. This is
/// eventing-kafka-broker's rule (data-plane/dispatcher/.../impl/consumer/OffsetManager.java, <c>OffsetTracker.offsetToCommit</c>:
/// the next offset not yet recorded), kept here as the set of unfinished offsets rather than a bit set, since at most
/// <see cref="KafkaConsumerOptions.MaxInFlight"/> records are unfinished. A record given up (its partition revoked or the
/// consumer stopping before it started) stays unfinished: the offset never passes it, and the partition's next owner reads it.
/// </summary>
/// <param name="partition">The partition.</param>
/// <param name="store">Stores an offset for the next commit; called under this tracker's lock, so stores never go backwards.</param>
internal sealed class PartitionProgress(TopicPartition partition, Action<TopicPartitionOffset> store)
{
    private readonly SortedSet<long> _unfinished = [];
    private readonly Lock _lock = new();
    private long _next = -1;
    private long _stored = -1;
    private int _active;
    private volatile bool _draining;
    private bool _revoked;

    /// <summary>Records taken and neither finished nor given up: in flight, in a backoff, or queued (ordered).</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>The last record of the ordered chain (loop thread only).</summary>
    public Task Tail { get; set; } = Task.CompletedTask;

    /// <summary>The partition is being revoked or the consumer stops: a record that has not started is given up.</summary>
    public bool Draining => _draining;

    public void Taken(long offset)
    {
        lock (_lock)
        {
            _unfinished.Add(offset);
            _next = Math.Max(_next, offset + 1);
        }

        Interlocked.Increment(ref _active);
    }

    /// <summary>A final outcome: the safe offset may advance, and is stored while the partition is still this consumer's.</summary>
    public void Finished(long offset)
    {
        lock (_lock)
        {
            _unfinished.Remove(offset);
            var safe = _unfinished.Count > 0 ? _unfinished.Min : _next;
            if (safe > _stored && !_revoked)
            {
                _stored = safe;
                store(new TopicPartitionOffset(partition, safe));
            }
        }

        Interlocked.Decrement(ref _active);
    }

    /// <summary>Given up without a final outcome: stays unfinished, so no commit passes it.</summary>
    public void GivenUp() => Interlocked.Decrement(ref _active);

    /// <summary>Records not started from now on are given up (revocation, stop).</summary>
    public void Drain() => _draining = true;

    /// <summary>The partition is no longer this consumer's: nothing more is stored for it.</summary>
    public void Revoke()
    {
        _draining = true;
        lock (_lock)
        {
            _revoked = true;
        }
    }
}
