using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>kn.eventing.backlog equals Σ (high watermark − committed) as Kafka reports it.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaCollection.Name)]
public sealed class BacklogTests(KafkaFixture fixture)
{
    [Fact]
    public async Task Backlog_equals_high_watermark_minus_committed_while_paused_and_after_draining()
    {
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 3);
        var trigger = new TriggerRef(bed.Broker, "stats");
        var (handler, seen, _) = KafkaTestBed.CountingHandler(int.MaxValue);
        for (var id = 0; id < 20; id++)
        {
            await bed.ProduceAsync(id);
        }

        var consumer = bed.Consumer(trigger, handler);
        await consumer.Assigned.WaitAsync(TimeSpan.FromSeconds(60));
        await bed.WaitForOffsetsAsync(consumer.GroupId, o => o.Committed == 20);
        using var backlog = KafkaTriggerBacklog.Register(bed.Metrics, bed.ConsumerConfig(), bed.Topic, consumer.GroupId, trigger, TimeSpan.FromSeconds(10));
        await AssertBacklogAsync(bed, consumer.GroupId, 0);

        await consumer.PauseAsync();
        var pausedAt = seen.Count;
        for (var id = 20; id < 70; id++)
        {
            await bed.ProduceAsync(id);
        }

        var paused = await AssertBacklogAsync(bed, consumer.GroupId, 50);
        Assert.Equal(pausedAt, seen.Count);
        Assert.Equal(70, paused.HighWatermarks);

        await consumer.ResumeAsync();
        await bed.WaitForOffsetsAsync(consumer.GroupId, o => o.Committed == 70);
        await AssertBacklogAsync(bed, consumer.GroupId, 0);
        Assert.Equal(70, seen.Count);
    }

    private static async Task<(long HighWatermarks, long Committed)> AssertBacklogAsync(KafkaTestBed bed, string group, long expected)
    {
        var offsets = await bed.WaitForOffsetsAsync(group, o => o.HighWatermarks - o.Committed == expected);
        Assert.Equal(expected, offsets.HighWatermarks - offsets.Committed);
        await bed.Metrics.RefreshBacklogAsync();
        var points = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.backlog").Points;
        Assert.Equal(0, Assert.Single(points, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "replica")).LongValue); // lag includes records in flight
        var point = Assert.Single(points, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "broker"));
        Assert.Equal(expected, point.LongValue);
        Assert.Equal("stats", point.Tags[TriggerName]);
        return offsets;
    }
}
