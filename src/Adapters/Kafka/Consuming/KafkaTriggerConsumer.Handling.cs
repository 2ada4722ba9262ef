using System.Diagnostics;
using Confluent.Kafka;
using Knative.Eventing.Metrics.CloudEvents;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>One record: decoded, handed to the handler (or the invalid-message rule), its offset stored or read again.</summary>
public sealed partial class KafkaTriggerConsumer
{
    private void Handle(ConsumeResult<byte[]?, byte[]?> record, CancellationToken token)
    {
        _instrumentation.RecordConsumed(_topic, _group);
        var start = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            CloudNative.CloudEvents.CloudEvent cloudEvent;
            try
            {
                cloudEvent = KafkaCloudEventBinding.Decode(
                    record.Message.Headers,
                    record.Message.Value,
                    _options.Formatter,
                    _options.ExtensionAttributes);
            }
            catch (InvalidCloudEventException invalid)
            {
                // The one rule for every broker (InvalidMessagePolicy): counted, no outcome, settled past unless the callback threw.
                errorType = ErrorTypes.InvalidCloudEvent;
                if (_invalidMessages.Settle(record, invalid, record.TopicPartitionOffset.ToString()))
                {
                    _consumer.StoreOffset(record);
                }
                else
                {
                    ReadAgainAfterBackoff(record);
                }

                return;
            }

            var scope = _metrics.BeginDelivery(_trigger, cloudEvent);
            var outcome = _handler(new KafkaDelivery(record, cloudEvent, scope), token).GetAwaiter().GetResult();
            scope.Complete(outcome);
            _consumer.StoreOffset(record);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            // Not handled: read this record again after a backoff (nothing is skipped).
            errorType ??= ErrorTypes.FromException(ex);
            LogHandlerFailed(_logger, _trigger.ToString(), ex);
            ReadAgainAfterBackoff(record);
        }
        finally
        {
            _instrumentation.RecordProcess(_topic, _group, Stopwatch.GetElapsedTime(start), errorType);
        }
    }

    /// <summary>Not settled: the record is read again, after <see cref="KafkaConsumerOptions.HandlerRetryBackoff"/> (nothing is skipped).</summary>
    private void ReadAgainAfterBackoff(ConsumeResult<byte[]?, byte[]?> record)
    {
        _consumer.Seek(record.TopicPartitionOffset);
        _stopping.Token.WaitHandle.WaitOne(_options.HandlerRetryBackoff);
    }
}
