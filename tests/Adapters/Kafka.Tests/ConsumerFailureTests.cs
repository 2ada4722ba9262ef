using Confluent.Kafka;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>
/// A trigger consumer killed by the broker (a fatal librdkafka error: a static member fenced on its
/// heartbeat, pushed through the mock cluster) shows as failed in <c>kn.eventing.trigger.consumers</c>,
/// and its backlog keeps being reported from the broker side while events pile up.
/// </summary>
[Trait("Category", "Fault")]
[Collection(KafkaCollection.Name)]
public sealed class ConsumerFailureTests(KafkaFixture fixture)
{
    private const short HeartbeatApiKey = 12;

    [Fact]
    public async Task A_consumer_killed_by_a_fatal_error_is_counted_failed_and_its_backlog_keeps_growing()
    {
        var mock = fixture.RequireMock();
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 2);
        var trigger = new TriggerRef(bed.Broker, "doomed");
        var (handler, seen, _) = KafkaTestBed.CountingHandler(int.MaxValue);
        var config = new ConsumerConfig(bed.ConsumerConfig()) { GroupInstanceId = $"doomed-{Guid.NewGuid():N}", HeartbeatIntervalMs = 300 };
        await using var consumer = await KafkaTriggerConsumer.StartAsync(config, trigger, handler, bed.Metrics, bed.Instrumentation, new KafkaConsumerOptions { Topic = bed.Topic, CommitInterval = TimeSpan.FromMilliseconds(200) });
        using var backlog = KafkaTriggerBacklog.Register(bed.Metrics, bed.ConsumerConfig(), bed.Topic, consumer.GroupId, trigger, TimeSpan.FromSeconds(10));
        await consumer.Assigned.WaitAsync(TimeSpan.FromSeconds(60));
        for (var id = 0; id < 5; id++)
        {
            await bed.ProduceAsync(id);
        }

        await bed.WaitForOffsetsAsync(consumer.GroupId, o => o.Committed == 5);
        Assert.Equal((1, 0), States(bed));

        mock.PushRequestErrors(HeartbeatApiKey, ErrorCode.FencedInstanceId);
        await Poll.UntilAsync(() => Task.FromResult(consumer.State), (ConsumerState s) => s == ConsumerState.Failed, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

        Assert.Equal(ConsumerState.Failed, consumer.State);
        Assert.Equal((0, 1), States(bed));
        var health = Assert.Single(bed.Metrics.Consumers);
        Assert.True(health.Failure!.Contains("fenced", StringComparison.OrdinalIgnoreCase), health.Failure);

        for (var id = 5; id < 15; id++)
        {
            await bed.ProduceAsync(id);
        }

        var offsets = await bed.WaitForOffsetsAsync(consumer.GroupId, o => o.HighWatermarks == 15);
        await bed.Metrics.RefreshBacklogAsync();
        var points = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.backlog").Points;
        Assert.Equal(0, Assert.Single(points, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "replica")).LongValue); // lag includes records in flight
        var point = Assert.Single(points, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "broker"));

        Assert.Equal(5, offsets.Committed);
        Assert.Equal(10, point.LongValue);
        Assert.Equal(5, seen.Count);
    }

    private static (long Running, long Failed) States(KafkaTestBed bed)
    {
        var points = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.trigger.consumers").Points;
        return (points.Single(p => (string)p.Tags[KnativeAttributes.ConsumerState]! == "running").LongValue,
                points.Single(p => (string)p.Tags[KnativeAttributes.ConsumerState]! == "failed").LongValue);
    }
}
