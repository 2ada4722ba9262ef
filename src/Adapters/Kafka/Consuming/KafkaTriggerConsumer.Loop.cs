using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// The consume loop on its own thread: takes records and starts their handling, pauses partitions past the in-flight
/// limit or on request, and tracks assignments, committing what finished before partitions move.
/// </summary>
public sealed partial class KafkaTriggerConsumer
{
    /// <summary>How long a revocation waits for the revoked partitions' records in flight before committing (at most the drain timeout).</summary>
    private static readonly TimeSpan RevocationDrain = TimeSpan.FromSeconds(5);

    /// <summary>How long one poll waits when no partition is held back.</summary>
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one poll waits while some partitions are held back by the limit (so they resume soon after it frees).</summary>
    private static readonly TimeSpan HeldPollTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>How long an unordered consumer at its limit waits for a record to finish before it pauses its partitions.</summary>
    private static readonly TimeSpan SaturationGrace = TimeSpan.FromSeconds(1);

    private bool Ordered => _options.DeliveryOrder == KafkaDeliveryOrder.Ordered;

    private void RunLoop()
    {
        _loopThread = Environment.CurrentManagedThreadId;
        try
        {
            ConsumeUntilStopped();
        }
        catch (Exception ex)
        {
            // Not even subscribing worked (e.g. a librdkafka without the functions Confluent.Kafka calls).
            _health.MarkFailed(ex, "the consume loop ended");
            LogLoopFailed(_logger, _group, ex);
        }

        foreach (var progress in _partitions.Values)
        {
            progress.Drain(); // queued records (ordered) are left for the group, unstarted
        }

        Interlocked.Exchange(ref _pauseApplied, null)?.TrySetResult(); // no loop any more: a waiting pause is over
    }

    private void ConsumeUntilStopped()
    {
        _consumer.Subscribe(_topic);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (WaitAtTheLimit())
                {
                    continue;
                }

                var (held, all) = ApplyPauses();
                if (all)
                {
                    // Every partition waits for the limit: sleep until a record finishes, then poll (rebalances are served in Consume).
                    _inFlight.WaitForProgress(PollTimeout, _stopping.Token);
                }

                var record = _consumer.Consume(all ? TimeSpan.Zero : held ? HeldPollTimeout : PollTimeout);
                if (!_fatal && _health.State != ConsumerState.Running)
                {
                    _health.MarkRunning();
                }

                if (record is null || record.IsPartitionEOF)
                {
                    continue;
                }

                Take(record);
            }
            catch (ConsumeException ex)
            {
                LogConsumeFailed(_logger, _group, KafkaErrorNames.Of(ex.Error.Code), ex);
                if (ex.Error.IsFatal)
                {
                    _fatal = true;
                    _health.MarkFailed(ex, $"fatal librdkafka error {KafkaErrorNames.Of(ex.Error.Code)}");
                    _stopping.Token.WaitHandle.WaitOne(_options.HandlerRetryBackoff);
                }
            }
            catch (Exception ex)
            {
                // Not a record's problem (handlers run apart): the client itself fails.
                _health.MarkFailed(ex);
                LogLoopFailed(_logger, _group, ex);
                _stopping.Token.WaitHandle.WaitOne(_options.HandlerRetryBackoff);
            }
        }
    }

    /// <summary>Counts the record, tracks its offset and starts its handling: at once (unordered) or after its partition's previous record.</summary>
    private void Take(ConsumeResult<byte[]?, byte[]?> record)
    {
        _instrumentation.RecordConsumed(_topic, _group);
        if (!_partitions.TryGetValue(record.TopicPartition, out var progress))
        {
            progress = NewProgress(record.TopicPartition); // a record before its assignment callback: not expected, still tracked
            _partitions[record.TopicPartition] = progress;
        }

        progress.Taken(record.Offset.Value);
        _inFlight.Add();
        // Started on the loop thread: a handler that finishes without awaiting (a filtered event, an in-process
        // subscriber) costs no thread hand-off, which at a few thousand records per second per trigger is most of a
        // consumer's CPU (docs/performance.md); one that awaits (an HTTP subscriber) goes on off the loop from its first await.
        progress.Tail = Ordered
            ? HandleAfterAsync(progress.Tail, record, progress)
            : HandleAsync(record, progress);
    }

    /// <summary>
    /// Unordered, at the limit: waits for a record to finish rather than polling, up to <see cref="SaturationGrace"/>,
    /// so the records librdkafka has fetched stay queued (a pause would drop them and a resume fetch them again). A
    /// limit that holds longer (a slow subscriber) pauses the partitions instead, so rebalances are still served.
    /// </summary>
    /// <returns>Whether the loop waited (and should look again before polling).</returns>
    private bool WaitAtTheLimit()
    {
        if (Ordered || _saturated || _pauseRequested || _inFlight.Count < _options.MaxInFlight)
        {
            return false;
        }

        _inFlight.WaitUntil(() => _inFlight.Count < _options.MaxInFlight, SaturationGrace, _stopping.Token);
        _saturated = _inFlight.Count >= _options.MaxInFlight;
        return true;
    }

    /// <summary>
    /// Pauses the partitions that must not give more records and resumes the others: all of them on <see cref="PauseAsync"/>
    /// or while the consumer stays at <see cref="KafkaConsumerOptions.MaxInFlight"/> (unordered), else each partition that
    /// reached it (ordered); a partition paused for the limit resumes at half of it, so pausing does not churn. librdkafka
    /// refetches a resumed partition from the record after the last one taken.
    /// </summary>
    /// <returns>Whether some partitions are held back by the limit, and whether all are.</returns>
    private (bool Held, bool All) ApplyPauses()
    {
        var requested = _pauseRequested;
        if (!Ordered && !requested && !_userPaused && !_saturated && _pausedPartitions.Count == 0 && _newlyAssigned.Count == 0)
        {
            // Unordered, below the limit, nothing paused: nothing to change. The common case, once per record: it must
            // not cost a call into librdkafka (Assignment copies the assignment out of the client under its lock).
            return (false, false);
        }

        // The assignment as the rebalance callbacks gave it (the records' partitions too).
        var assignment = _partitions.Keys;
        var resumeAt = _options.MaxInFlight / 2;
        if (_saturated && _inFlight.Count <= resumeAt)
        {
            _saturated = false;
        }

        List<TopicPartition>? pause = null, resume = null;
        var held = 0;
        foreach (var partition in assignment)
        {
            var fresh = _newlyAssigned.Contains(partition);
            var paused = !fresh && _pausedPartitions.Contains(partition);
            var active = Ordered && _partitions.TryGetValue(partition, out var p) ? p.Active : 0;
            var full = _saturated || (Ordered && (active >= _options.MaxInFlight || (paused && active > resumeAt)));
            var want = requested || full;
            held += full ? 1 : 0;
            if (want && !paused)
            {
                _pausedPartitions.Add(partition);
                (pause ??= []).Add(partition);
            }
            else if (!want && (paused || fresh))
            {
                _pausedPartitions.Remove(partition);
                (resume ??= []).Add(partition);
            }
        }

        _newlyAssigned.Clear();
        if (pause is not null)
        {
            _consumer.Pause(pause);
        }

        if (resume is not null)
        {
            _consumer.Resume(resume);
        }

        ApplyRequestedPause(requested);
        return (held > 0 && !requested, held > 0 && held == assignment.Count && !requested);
    }

    private void ApplyRequestedPause(bool requested)
    {
        if (requested)
        {
            if (!_userPaused)
            {
                _userPaused = true;
                CommitStored();
            }

            Interlocked.Exchange(ref _pauseApplied, null)?.TrySetResult();
        }
        else
        {
            _userPaused = false;
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _partitions[partition] = NewProgress(partition);
            _newlyAssigned.Add(partition);
            _pausedPartitions.Remove(partition);
        }

        // With the cooperative assignor (the default) the partitions are the ones added; the count held tells the whole assignment.
        LogAssigned(_logger, _group, partitions.Count, _partitions.Count);

        _assigned.TrySetResult();
    }

    /// <summary>
    /// Before partitions move: records of theirs not started are given up, those in flight get up to
    /// <see cref="RevocationDrain"/> to finish, then what finished is committed, so the next owner starts after it
    /// (what did not finish it reads again: at most the in-flight records of these partitions).
    /// </summary>
    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        var leaving = new List<PartitionProgress>();
        foreach (var partition in partitions)
        {
            _pausedPartitions.Remove(partition.TopicPartition);
            if (_partitions.Remove(partition.TopicPartition, out var progress))
            {
                progress.Drain();
                leaving.Add(progress);
            }
        }

        _inFlight.WaitUntil(
            () => leaving.All(p => p.Active == 0),
            RevocationDrain < _options.DrainTimeout ? RevocationDrain : _options.DrainTimeout,
            _aborting.Token);

        CommitStored();
        foreach (var progress in leaving)
        {
            progress.Revoke();
        }

        LogRevoked(_logger, _group, partitions.Count, _partitions.Count);
    }

    private PartitionProgress NewProgress(TopicPartition partition) => new(partition, StoreOffset);

    /// <summary>
    /// Stores a safe offset for the next commit (librdkafka commits stored offsets every commit interval, on revocation and on close).
    /// </summary>
    private void StoreOffset(TopicPartitionOffset offset)
    {
        try
        {
            _consumer.StoreOffset(offset);
        }
        catch (KafkaException ex)
        {
            // The partition left this consumer (revoked or lost) between the outcome and the store:
            // its next owner reads from the commit.
            LogStoreFailed(_logger, _group, offset.ToString(), KafkaErrorNames.Of(ex.Error.Code));
        }
    }

    private void CommitStored()
    {
        try
        {
            _consumer.Commit();
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_NoOffset)
        {
            // Nothing handled since the last commit.
        }
        catch (KafkaException ex)
        {
            LogCommitFailed(_logger, _group, KafkaErrorNames.Of(ex.Error.Code), ex);
        }
    }

    /// <summary>
    /// Every commit's result (librdkafka's periodic ones and ours), on the loop thread: a failure is logged once when the
    /// commits start failing (not every interval) and once when they succeed again, since what is handled meanwhile is
    /// what a rebalance or a crash delivers again.
    /// </summary>
    private void OnCommitted(CommittedOffsets committed)
    {
        var error = committed.Error.IsError
            ? committed.Error.Code
            : committed.Offsets.FirstOrDefault(o => o.Error.IsError)?.Error.Code;
        if (error is { } code && code != ErrorCode.Local_NoOffset)
        {
            var name = KafkaErrorNames.Of(code);
            if (_commitFailing != name)
            {
                _commitFailing = name;
                LogCommitsFailing(_logger, _group, name);
            }
        }
        else if (error is null && _commitFailing is { } was)
        {
            _commitFailing = null;
            LogCommitsRecovered(_logger, _group, was);
        }
    }
}
