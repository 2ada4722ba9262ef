using System.Collections.Concurrent;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Exporter.Broker;
using Knative.Eventing.Metrics.Exporter.Filtering;
using Knative.Eventing.Metrics.Exporter.Model;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Knative.Eventing.Metrics.Exporter.Dispatch;

/// <summary>
/// Delivers one event for one trigger as Knative does: filter; attempts to the subscriber with the
/// trigger's retry, backoff and per-attempt timeout (Polly); a successful reply is re-ingested into the
/// broker through the <see cref="EventPublisher"/>; when retries are exhausted, the dead-letter sink, else the event is dropped. Every attempt is
/// recorded through the event's <see cref="DeliveryScope"/>.
/// </summary>
internal sealed partial class TriggerDispatcher(SubscriberClient subscribers, EventPublisher replies, ILogger<TriggerDispatcher> logger)
{
    private readonly ConcurrentDictionary<TriggerRef, ResiliencePipeline<SubscriberResponse>> _pipelines = new();

    public async Task<DeliveryOutcome> DispatchAsync(TriggerModel trigger, CloudEvent cloudEvent, DeliveryScope scope, CancellationToken cancellationToken)
    {
        var matched = trigger.Filter.Matches(cloudEvent);
        scope.RecordFilterDecision();
        if (!matched)
        {
            return DeliveryOutcome.Filtered;
        }

        var pipeline = _pipelines.GetOrAdd(trigger.Ref, _ => Build(trigger));
        SubscriberResponse response;
        try
        {
            response = await pipeline.ExecuteAsync(
                static async (state, ct) => await state.Self.AttemptAsync(state.Scope, DispatchTarget.Subscriber, state.Trigger.Subscriber, state.Event, state.Outer, ct).ConfigureAwait(false),
                (Self: this, Scope: scope, Trigger: trigger, Event: cloudEvent, Outer: cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            response = new SubscriberResponse(0, null); // every attempt timed out
        }
        if (response.IsSuccess)
        {
            if (response.Reply is { } reply)
            {
                await ReplyAsync(trigger, scope, reply, cancellationToken).ConfigureAwait(false);
            }

            return DeliveryOutcome.Delivered;
        }

        if (trigger.DeadLetterSink is { } sink)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(trigger.Timeout);
            SubscriberResponse dead;
            try
            {
                dead = await AttemptAsync(scope, DispatchTarget.DeadLetterSink, sink, cloudEvent, cancellationToken, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                dead = new SubscriberResponse(0, null);
            }

            if (dead.IsSuccess)
            {
                return DeliveryOutcome.DeadLettered;
            }
        }

        LogDropped(logger, trigger.Ref.ToString(), response.StatusCode);
        return DeliveryOutcome.Dropped;
    }

    private async Task<SubscriberResponse> AttemptAsync(DeliveryScope scope, DispatchTarget target, Uri destination, CloudEvent cloudEvent, CancellationToken outer, CancellationToken attemptToken)
    {
        var attempt = scope.StartAttempt(target);
        try
        {
            var response = await subscribers.SendAsync(destination, cloudEvent, attemptToken).ConfigureAwait(false);
            attempt.Complete(response.StatusCode);
            return response;
        }
        catch (OperationCanceledException ex)
        {
            // The attempt's own timeout (rethrown so the pipeline retries it), or shutdown.
            if (outer.IsCancellationRequested)
            {
                attempt.Fail(ex);
            }
            else
            {
                attempt.Fail(ErrorTypes.Timeout);
            }

            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            attempt.Fail(ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } ? ErrorTypes.ConnectionRefused : ErrorTypes.FromException(ex));
            return new SubscriberResponse(0, null);
        }
    }

    private async Task ReplyAsync(TriggerModel trigger, DeliveryScope scope, CloudEvent reply, CancellationToken cancellationToken)
    {
        var attempt = scope.StartAttempt(DispatchTarget.Reply);
        try
        {
            await replies.PublishAsync(trigger.Ref.Broker, [reply], cancellationToken).ConfigureAwait(false);
            attempt.Complete(202);
        }
        catch (EventPublishException ex)
        {
            attempt.Fail(ex.ErrorType);
            LogReplyLost(logger, trigger.Ref.ToString(), ex.ErrorType);
        }
    }

    private static ResiliencePipeline<SubscriberResponse> Build(TriggerModel trigger)
    {
        var builder = new ResiliencePipelineBuilder<SubscriberResponse>();
        if (trigger.Retry > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<SubscriberResponse>
            {
                MaxRetryAttempts = trigger.Retry,
                Delay = trigger.BackoffDelay,
                BackoffType = trigger.ExponentialBackoff ? DelayBackoffType.Exponential : DelayBackoffType.Linear,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { IsSuccess: false } || args.Outcome.Exception is TimeoutRejectedException),
            });
        }

        return builder.AddTimeout(trigger.Timeout).Build();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Trigger {Trigger}: event dropped after its retries (last status {Status})")]
    private static partial void LogDropped(ILogger logger, string trigger, int status);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Trigger {Trigger}: a reply could not be re-ingested ({Error})")]
    private static partial void LogReplyLost(ILogger logger, string trigger, string error);
}
