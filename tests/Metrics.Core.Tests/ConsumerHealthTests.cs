using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Tests;

/// <summary><c>kn.eventing.trigger.consumers</c>: both states from registration, failures and recoveries, gone when stopped.</summary>
[Trait("Category", "Unit")]
public sealed class ConsumerHealthTests
{
    [Fact]
    public void A_registered_consumer_is_counted_running_and_zero_failed_from_the_start()
    {
        using var harness = new MetricsHarness();
        using var health = harness.Metrics.RegisterConsumer(MetricsHarness.Trigger);

        Assert.Equal((1, 0), States(harness));
        Assert.Equal(ConsumerState.Running, Assert.Single(harness.Metrics.Consumers).State);
    }

    [Fact]
    public void A_failed_consumer_moves_to_failed_with_its_reason_and_back_when_it_runs_again()
    {
        using var harness = new MetricsHarness();
        using var health = harness.Metrics.RegisterConsumer(MetricsHarness.Trigger);
        using var other = harness.Metrics.RegisterConsumer(new TriggerRef(MetricsHarness.Broker, "audit"));

        health.MarkFailed(new EntryPointNotFoundException("rd_kafka_topic_partition_get_leader_epoch"), "the consume loop ended");

        Assert.Equal((0, 1), States(harness));
        Assert.Equal((1, 0), States(harness, "audit"));
        Assert.Equal("the consume loop ended (System.EntryPointNotFoundException: rd_kafka_topic_partition_get_leader_epoch)", health.Failure);
        Assert.Equal([health], harness.Metrics.Consumers.Where(c => c.State == ConsumerState.Failed));

        health.MarkRunning();

        Assert.Equal((1, 0), States(harness));
        Assert.Null(health.Failure);
    }

    [Fact]
    public void Two_consumers_of_one_trigger_add_up_and_a_stopped_one_is_no_longer_counted()
    {
        using var harness = new MetricsHarness();
        using var first = harness.Metrics.RegisterConsumer(MetricsHarness.Trigger);
        var second = harness.Metrics.RegisterConsumer(MetricsHarness.Trigger);
        second.MarkFailed(null, "cancelled by the server");

        Assert.Equal((1, 1), States(harness));

        second.Dispose();

        Assert.Equal((1, 0), States(harness));
    }

    [Fact]
    public void The_gauge_matches_the_catalogue()
    {
        using var harness = new MetricsHarness();
        using var health = harness.Metrics.RegisterConsumer(MetricsHarness.Trigger);

        var metric = harness.Single("kn.eventing.trigger.consumers");

        Assert.Equal(KnativeEventingInstruments.TriggerConsumers.Unit, metric.Unit);
        Assert.All(metric.Points, p => Assert.Equal(KnativeEventingInstruments.TriggerConsumers.Attributes.Order(), p.Tags.Keys.Order()));
        Assert.Equal(["failed", "running"], metric.Points.Select(p => (string)p.Tags[KnativeAttributes.ConsumerState]!).Order());
    }

    private static (long Running, long Failed) States(MetricsHarness harness, string trigger = "leaderboard")
    {
        var points = harness.Single("kn.eventing.trigger.consumers").Points.Where(p => (string)p.Tags[TriggerName]! == trigger).ToList();
        return (points.Single(p => (string)p.Tags[KnativeAttributes.ConsumerState]! == "running").LongValue, points.Single(p => (string)p.Tags[KnativeAttributes.ConsumerState]! == "failed").LongValue);
    }
}
