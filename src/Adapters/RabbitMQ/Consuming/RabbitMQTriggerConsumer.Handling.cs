using System.Diagnostics;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.CloudEvents;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>One message: decoded, handed to the handler (or the invalid-message rule), acknowledged or returned.</summary>
public sealed partial class RabbitMQTriggerConsumer
{
    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs message)
    {
        if (Interlocked.Increment(ref _inFlight) == 1)
        {
            Interlocked.Exchange(ref _drained, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        var start = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            _instrumentation.RecordConsumed(_endpoint, _queue, message.Redelivered);
            CloudEvent cloudEvent;
            try
            {
                var properties = message.BasicProperties;
                cloudEvent = AmqpCloudEventBinding.Decode(
                    properties.Headers,
                    properties.ContentType,
                    message.Body,
                    _options.Formatter,
                    _options.ExtensionAttributes);
            }
            catch (InvalidCloudEventException invalid)
            {
                // The one rule for every broker (InvalidMessagePolicy): counted, no outcome, settled past unless the callback threw.
                errorType = ErrorTypes.InvalidCloudEvent;
                if (!_invalidMessages.Settle(message, invalid, $"delivery tag {message.DeliveryTag}"))
                {
                    await _channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                await _channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            var scope = _metrics.BeginDelivery(_trigger, cloudEvent, TraceContextOf(message.BasicProperties.Headers));
            DeliveryOutcome outcome;
            try
            {
                outcome = await _handler(new RabbitMQDelivery(message, cloudEvent, scope), _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                errorType = ErrorTypes.FromException(ex);
                scope.Abandon(errorType);
                LogHandlerFailed(_logger, _trigger.ToString(), ex);
                await _channel.BasicNackAsync(
                    message.DeliveryTag,
                    multiple: false,
                    requeue: _options.RequeueOnHandlerFailure,
                    CancellationToken.None).ConfigureAwait(false);
                return;
            }

            scope.Complete(outcome);
            await _channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Ack or nack failed (channel or connection lost): the broker redelivers the message.
            errorType ??= RabbitMQErrorTypes.Classify(ex, timedOut: false);
            LogAckFailed(_logger, _queue, ex);
        }
        finally
        {
            _instrumentation.RecordProcess(_endpoint, _queue, Stopwatch.GetElapsedTime(start), errorType);
            if (Interlocked.Decrement(ref _inFlight) == 0)
            {
                Volatile.Read(ref _drained).TrySetResult();
            }
        }
    }

    /// <summary>The context the publisher wrote into the message's AMQP headers (RabbitMQ.Client gives strings back as bytes).</summary>
    private static OpenTelemetry.Context.Propagation.PropagationContext TraceContextOf(IDictionary<string, object?>? headers) =>
        headers is null
            ? default
            : KnativeEventingTracing.Extract(headers, static (h, name) => h.TryGetValue(name, out var value) ? value switch
            {
                byte[] bytes => [System.Text.Encoding.UTF8.GetString(bytes)],
                string text => [text],
                _ => null,
            } : null);
}
