using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>The consume loop on its own thread: consuming, pausing, committing stored offsets.</summary>
public sealed partial class KafkaTriggerConsumer
{
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

        Interlocked.Exchange(ref _pauseApplied, null)?.TrySetResult(); // no loop any more: a waiting pause is over
    }

    private void ConsumeUntilStopped()
    {
        _consumer.Subscribe(_topic);
        var token = _aborting.Token;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                ApplyPause();
                var record = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (!_fatal && _health.State != ConsumerState.Running)
                {
                    _health.MarkRunning();
                }

                if (record is null || record.IsPartitionEOF)
                {
                    continue;
                }

                Handle(record, token);
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
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Not a record's problem (those are handled in Handle): the client itself fails.
                _health.MarkFailed(ex);
                LogLoopFailed(_logger, _group, ex);
                _stopping.Token.WaitHandle.WaitOne(_options.HandlerRetryBackoff);
            }
        }
    }

    private void ApplyPause()
    {
        var assignment = _consumer.Assignment;
        if (_pauseRequested)
        {
            if (assignment.Count > 0)
            {
                _consumer.Pause(assignment); // re-applied every turn: a rebalance unpauses new partitions
            }

            if (!_paused)
            {
                _paused = true;
                CommitStored();
            }

            Interlocked.Exchange(ref _pauseApplied, null)?.TrySetResult();
        }
        else if (_paused)
        {
            _paused = false;
            if (assignment.Count > 0)
            {
                _consumer.Resume(assignment);
            }
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
}
