using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>Counts recorded through OpenTelemetry equal Kafka's own offsets.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaCollection.Name)]
public sealed class ProduceAndConsumeTests(KafkaFixture fixture)
{
    private const int Events = 10_000;

    [Fact]
    public async Task Ten_thousand_concurrent_events_on_four_partitions_to_two_triggers_equal_kafka_offsets()
    {
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 4);
        var leaderboard = new TriggerRef(bed.Broker, "leaderboard");
        var audit = new TriggerRef(bed.Broker, "audit");
        var (handlerA, seenA, allA) = KafkaTestBed.CountingHandler(Events);
        var (handlerB, seenB, allB) = KafkaTestBed.CountingHandler(Events);
        var consumerA = bed.Consumer(leaderboard, handlerA);
        var consumerB = bed.Consumer(audit, handlerB);

        await Parallel.ForEachAsync(Enumerable.Range(0, Events), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (id, ct) => await bed.ProduceAsync(id));
        await Task.WhenAll(allA, allB).WaitAsync(TimeSpan.FromMinutes(2));
        var a = await bed.WaitForOffsetsAsync(consumerA.GroupId, o => o.Committed >= Events);
        var b = await bed.WaitForOffsetsAsync(consumerB.GroupId, o => o.Committed >= Events);

        Assert.Equal("knative-trigger-demo-leaderboard", consumerA.GroupId);
        var collected = bed.Capture.Collect();
        var ingress = collected.Single(m => m.Name == "kn.eventing.ingress.duration");
        Assert.Equal(Events, ingress.Total((MessagingDestinationName, bed.Topic)));
        Assert.Equal(Events, a.HighWatermarks);
        Assert.Equal(Events, a.Committed);
        Assert.Equal(Events, b.Committed);
        var deliveries = collected.Single(m => m.Name == "kn.eventing.deliveries");
        Assert.Equal(Events, deliveries.Total((TriggerName, "leaderboard"), (KnativeAttributes.DeliveryOutcome, "delivered")));
        Assert.Equal(Events, deliveries.Total((TriggerName, "audit"), (KnativeAttributes.DeliveryOutcome, "delivered")));
        Assert.All(seenA.Values, n => Assert.Equal(1, n));
        Assert.Equal(Events, seenA.Count);
        Assert.Equal(Events, seenB.Count);
        Assert.Equal(2 * Events, collected.Single(m => m.Name == "kn.eventing.queue.duration").Total());
        Assert.Equal(Events, collected.Single(m => m.MeterName == KnativeEventingMeterNames.Kafka && m.Name == "messaging.client.sent.messages").Total((MessagingDestinationName, bed.Topic)));
        var consumed = collected.Single(m => m.MeterName == KnativeEventingMeterNames.Kafka && m.Name == "messaging.client.consumed.messages");
        Assert.Equal(Events, consumed.Total(("messaging.consumer.group.name", consumerA.GroupId)));
        Assert.Equal(Events, consumed.Total(("messaging.consumer.group.name", consumerB.GroupId)));
    }
}
