using System.Diagnostics;
using Confluent.Kafka;
using Knative.Eventing.Metrics.CloudEvents;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// One record: decoded, handed to the handler (or the invalid-message rule) until it reaches a final outcome, then its
/// offset marked finished; given up unfinished when its partition leaves or the consumer stops before it started.
/// </summary>
public sealed partial class KafkaTriggerConsumer
{
    /// <summary>Ordered delivery: the record starts when its partition's previous one has ended (at once when it has).</summary>
    private async Task HandleAfterAsync(Task previous, ConsumeResult<byte[]?, byte[]?> record, PartitionProgress progress)
    {
        await previous.ConfigureAwait(false); // never faults: HandleAsync catches everything
        await HandleAsync(record, progress).ConfigureAwait(false);
    }

    private async Task HandleAsync(ConsumeResult<byte[]?, byte[]?> record, PartitionProgress progress)
    {
        var token = _aborting.Token;
        var finished = false;
        try
        {
            while (!progress.Draining && !_stopping.IsCancellationRequested)
            {
                if (await TryHandleOnceAsync(record, token).ConfigureAwait(false))
                {
                    progress.Finished(record.Offset.Value);
                    finished = true;
                    return;
                }

                // Not settled: the same record again after the backoff (nothing is skipped; the other records go on meanwhile).
                await Task.Delay(_options.HandlerRetryBackoff, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping during a backoff, or the handler cancelled past the drain timeout: left for the group, unfinished.
        }
        catch (Exception ex)
        {
            // Not expected (TryHandleOnceAsync catches the handler's failures); logged, and the record is left unfinished.
            LogLoopFailed(_logger, _group, ex);
        }
        finally
        {
            if (!finished)
            {
                progress.GivenUp();
            }

            _inFlight.Remove();
        }
    }

    /// <summary>
    /// One try at a final outcome: true when the record reached one (delivered, filtered, dead-lettered, dropped, or settled as invalid).
    /// </summary>
    private async Task<bool> TryHandleOnceAsync(ConsumeResult<byte[]?, byte[]?> record, CancellationToken token)
    {
        var start = Stopwatch.GetTimestamp();
        string? errorType = null;
        DeliveryScope? scope = null;
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
                return _invalidMessages.Settle(record, invalid, record.TopicPartitionOffset.ToString());
            }

            scope = _metrics.BeginDelivery(_trigger, cloudEvent, TraceContextOf(record.Message.Headers));
            var outcome = await _handler(new KafkaDelivery(record, cloudEvent, scope), token).ConfigureAwait(false);
            scope.Complete(outcome);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            errorType ??= ErrorTypes.FromException(ex);
            LogHandlerFailed(_logger, _trigger.ToString(), ex);
            return false;
        }
        finally
        {
            // No outcome (the handler failed and the record is tried again, or shutdown): the span ends as abandoned.
            if (scope is { Outcome: null })
            {
                scope.Abandon(errorType ?? typeof(OperationCanceledException).FullName!);
            }

            _instrumentation.RecordProcess(_topic, _group, Stopwatch.GetElapsedTime(start), errorType);
        }
    }

    /// <summary>The context the producer wrote into the record's headers.</summary>
    private static OpenTelemetry.Context.Propagation.PropagationContext TraceContextOf(Headers? headers) =>
        headers is null
            ? default
            : KnativeEventingTracing.Extract(headers, static (h, name) => h.TryGetLastBytes(name, out var value) && value is not null
                ? [System.Text.Encoding.UTF8.GetString(value)]
                : null);
}
