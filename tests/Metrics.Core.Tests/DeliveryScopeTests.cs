using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>One event's way through a trigger, recorded through a <see cref="DeliveryScope"/>.</summary>
[Trait("Category", "Unit")]
public sealed class DeliveryScopeTests
{
    [Fact]
    public void A_retried_event_records_one_filter_decision_one_queue_time_every_attempt_and_one_outcome()
    {
        using var harness = new MetricsHarness();
        var begun = DateTimeOffset.UtcNow;
        var scope = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", begun.AddMilliseconds(-300), null);

        scope.RecordFilterDecision();
        scope.RecordFilterDecision();
        scope.StartAttempt(DispatchTarget.Subscriber).Complete(503);
        scope.StartAttempt(DispatchTarget.Subscriber).Fail(ErrorTypes.Timeout);
        scope.StartAttempt(DispatchTarget.DeadLetterSink).Complete(202);
        Assert.True(scope.Complete(DeliveryOutcome.DeadLettered));
        Assert.False(scope.Complete(DeliveryOutcome.Delivered));

        var collected = harness.Collect();
        Assert.Equal(1, Assert.Single(collected, m => m.Name == "kn.eventing.process.duration").Total());
        var queue = Assert.Single(Assert.Single(collected, m => m.Name == "kn.eventing.queue.duration").Points);
        Assert.Equal(1, queue.Count);
        // Queued 300 ms before the delivery began, up to the first attempt (taken within this test's own run time).
        Assert.InRange(queue.Sum, 0.3, 0.3 + (DateTimeOffset.UtcNow - begun).TotalSeconds);
        var dispatch = Assert.Single(collected, m => m.Name == "kn.eventing.dispatch.duration");
        Assert.Equal(3, dispatch.Total());
        Assert.Equal(1, dispatch.Total((MessagingDestinationName, "deadletter:leaderboard.demo")));
        var deliveries = Assert.Single(collected, m => m.Name == "kn.eventing.deliveries");
        Assert.Equal(1, deliveries.Total());
        Assert.Equal(1, deliveries.Total((KnativeAttributes.DeliveryOutcome, "dead_lettered")));
        Assert.Equal(DeliveryOutcome.DeadLettered, scope.Outcome);
        Assert.Equal(3, scope.Attempts);
    }

    [Fact]
    public void A_filtered_event_has_no_attempt_and_no_queue_time()
    {
        using var harness = new MetricsHarness();
        var scope = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", DateTimeOffset.UtcNow, null);

        scope.RecordFilterDecision();
        scope.Complete(DeliveryOutcome.Filtered);

        var collected = harness.Collect();
        Assert.DoesNotContain(collected, m => m.Name is "kn.eventing.queue.duration" or "kn.eventing.dispatch.duration");
        Assert.Equal(1, Assert.Single(collected, m => m.Name == "kn.eventing.deliveries").Total((KnativeAttributes.DeliveryOutcome, "filtered")));
    }
}
