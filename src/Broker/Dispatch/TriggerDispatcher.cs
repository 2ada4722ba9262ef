using System.Collections.Concurrent;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Publishing;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.Broker.Model;
using Polly;
using Polly.Retry;

namespace Knative.Eventing.Metrics.Broker.Dispatch;

/// <summary>
/// Delivers one event for one trigger as Knative does: filter; attempts to the subscriber with the
/// trigger's retry and backoff (Polly) and per-attempt timeout; a successful reply is re-ingested into the
/// broker through the <see cref="EventPublisher"/>; when retries are exhausted, the dead-letter sink, else the event is dropped. Every attempt is
/// recorded through the event's <see cref="DeliveryScope"/>. Attempts run within the delivery's
/// <see cref="DeliverySlot"/>, which a retry's backoff gives back.
/// </summary>
internal sealed partial class TriggerDispatcher(SubscriberClient subscribers, EventPublisher replies, ILogger<TriggerDispatcher> logger)
{
    private readonly ConcurrentDictionary<TriggerRef, ResiliencePipeline<SubscriberResponse>> _pipelines = new();

    public async Task<DeliveryOutcome> DispatchAsync(
        TriggerModel trigger,
        CloudEvent cloudEvent,
        DeliveryScope scope,
        DeliverySlot slot,
        CancellationToken cancellationToken)
    {
        var matched = trigger.Filter.Matches(cloudEvent);
        scope.RecordFilterDecision();
        if (!matched)
        {
            return DeliveryOutcome.Filtered;
        }

        var pipeline = _pipelines.GetOrAdd(trigger.Ref, _ => Build(trigger));
        var response = await pipeline.ExecuteAsync(
            static (state, _) => state.Self.SubscriberAttemptAsync(state.Scope, state.Trigger, state.Event, state.Slot, state.Outer),
            (Self: this, Scope: scope, Trigger: trigger, Event: cloudEvent, Slot: slot, Outer: cancellationToken),
            cancellationToken).ConfigureAwait(false);

        // The reply and the dead-letter sink are attempts of this delivery too.
        await slot.EnterAsync(cancellationToken).ConfigureAwait(false);
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
                dead = await AttemptAsync(
                    scope,
                    DispatchTarget.DeadLetterSink,
                    sink,
                    cloudEvent,
                    cancellationToken,
                    timeout.Token).ConfigureAwait(false);
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

    /// <summary>
    /// One attempt to the subscriber within the retry pipeline: takes a slot first, then has the trigger's
    /// timeout (waiting for a slot is not part of an attempt); after a failure that will be retried, gives the
    /// slot back for the backoff when it can yield. A timed-out attempt answers status 0 (retried like a failure).
    /// </summary>
    private async ValueTask<SubscriberResponse> SubscriberAttemptAsync(
        DeliveryScope scope,
        TriggerModel trigger,
        CloudEvent cloudEvent,
        DeliverySlot slot,
        CancellationToken outer)
    {
        await slot.EnterAsync(outer).ConfigureAwait(false);
        var response = TimedOut;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(outer);
        timeout.CancelAfter(trigger.Timeout);
        try
        {
            response = await AttemptAsync(
                scope,
                DispatchTarget.Subscriber,
                trigger.Subscriber,
                cloudEvent,
                outer,
                timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!outer.IsCancellationRequested)
        {
            // The attempt's own timeout, recorded as such by AttemptAsync.
        }
        finally
        {
            if (!response.IsSuccess && slot.CanYield && scope.Attempts <= trigger.Retry)
            {
                slot.Release();
            }
        }

        return response;
    }

    private async Task<SubscriberResponse> AttemptAsync(
        DeliveryScope scope,
        DispatchTarget target,
        Uri destination,
        CloudEvent cloudEvent,
        CancellationToken outer,
        CancellationToken attemptToken)
    {
        var attempt = scope.StartAttempt(target);
        try
        {
            var response = await subscribers.SendAsync(destination, cloudEvent, attempt, attemptToken).ConfigureAwait(false);
            attempt.Complete(response.StatusCode);
            return response;
        }
        catch (OperationCanceledException ex)
        {
            // The attempt's own timeout (rethrown: the caller answers it as status 0, which is retried), or shutdown.
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
            attempt.Fail(ex switch
            {
                HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => ErrorTypes.ConnectionRefused,
                HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => ErrorTypes.TlsHandshakeFailed,
                _ => ErrorTypes.FromException(ex),
            });
            return new SubscriberResponse(0, null);
        }
    }

    private async Task ReplyAsync(TriggerModel trigger, DeliveryScope scope, CloudEvent reply, CancellationToken cancellationToken)
    {
        var attempt = scope.StartAttempt(DispatchTarget.Reply);

        // The reply's publish span is a child of this attempt's span (this method's flow only: it is async); without spans
        // the reply carries the context the event came with.
        if (attempt.Activity is { } span)
        {
            System.Diagnostics.Activity.Current = span;
        }
        else
        {
            KnativeEventingTracing.PassOn(scope.TraceContext);
        }

        try
        {
            await replies.PublishAsync(trigger.Ref.Broker, [reply], cancellationToken).ConfigureAwait(false);
            attempt.Complete(202);
        }
        catch (PublishRejectedException ex)
        {
            attempt.Fail(ex.ErrorType);
            LogReplyLost(logger, trigger.Ref.ToString(), ex.ErrorType);
        }
    }

    /// <summary>The trigger's retries and backoff (each attempt's timeout is <see cref="SubscriberAttemptAsync"/>'s).</summary>
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
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result is { IsSuccess: false }),
            });
        }

        return builder.Build();
    }

    private static readonly SubscriberResponse TimedOut = new(0, null);

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Trigger {Trigger}: event dropped after its retries (last status {Status})")]
    private static partial void LogDropped(ILogger logger, string trigger, int status);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Trigger {Trigger}: a reply could not be re-ingested ({Error})")]
    private static partial void LogReplyLost(ILogger logger, string trigger, string error);
}
