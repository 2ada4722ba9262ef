using Confluent.Kafka;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>Brokers down and up, and broker-side request errors: failures reach the caller and are counted; nothing acknowledged is lost.</summary>
[Trait("Category", "Fault")]
[Collection(KafkaCollection.Name)]
public sealed class BrokerFaultTests(KafkaFixture fixture)
{
    [Fact]
    public async Task With_every_broker_down_produces_fail_and_are_counted_then_resume_and_nothing_acknowledged_is_lost()
    {
        var mock = fixture.RequireMock();
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 2);
        using var shortTimeout = new ProducerBuilder<byte[]?, byte[]?>(bed.ProducerConfig(messageTimeoutMs: 2000)).Build();
        var producer = await KafkaProducer.CreateAsync(shortTimeout, bed.Broker, bed.Metrics, bed.Instrumentation);
        var trigger = new TriggerRef(bed.Broker, "leaderboard");
        var (handler, seen, _) = KafkaTestBed.CountingHandler(int.MaxValue);
        var consumer = bed.Consumer(trigger, handler);
        await consumer.Assigned.WaitAsync(TimeSpan.FromSeconds(60));
        var acknowledged = new List<string>();
        var failures = new List<string>();

        async Task<bool> TryProduceAsync(int id)
        {
            try
            {
                await producer.PublishAsync(KafkaTestBed.Event(id), null, CancellationToken.None);
                acknowledged.Add(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return true;
            }
            catch (KafkaProduceException ex)
            {
                failures.Add(ex.ErrorType);
                return false;
            }
        }

        for (var id = 0; id < 100; id++)
        {
            Assert.True(await TryProduceAsync(id));
        }

        using (mock.AllBrokersDown())
        {
            Assert.False(await TryProduceAsync(100));
            Assert.False(await TryProduceAsync(101));
        }

        for (var id = 100; id < 200; id++)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!await TryProduceAsync(id) && DateTime.UtcNow < deadline)
            {
            }
        }

        var offsets = await bed.WaitForOffsetsAsync(consumer.GroupId, o => o.Committed >= 200 && o.Committed == o.HighWatermarks);

        Assert.Equal(200, acknowledged.Count);
        Assert.Equal(200, offsets.HighWatermarks);
        Assert.All(acknowledged, id => Assert.True(seen.ContainsKey(id), $"acknowledged event {id} was not delivered"));
        Assert.All(seen.Values, n => Assert.Equal(1, n)); // nothing delivered twice
        Assert.Contains("_MSG_TIMED_OUT", failures);
        var collected = bed.Capture.Collect();
        var ingress = collected.Single(m => m.Name == "kn.eventing.ingress.duration");
        Assert.Equal(200, ingress.Points.Where(p => !p.Tags.ContainsKey(ErrorType)).Sum(p => p.Count));
        Assert.Equal(failures.Count, ingress.Points.Where(p => p.Tags.ContainsKey(ErrorType)).Sum(p => p.Count));
        foreach (var group in failures.GroupBy(f => f))
        {
            Assert.Equal(group.Count(), ingress.Total((ErrorType, group.Key)));
            Assert.Equal(group.Count(), collected.Single(m => m.MeterName == KnativeEventingMeterNames.Kafka && m.Name == "messaging.client.sent.messages").Total((ErrorType, group.Key)));
        }

        Assert.Equal(seen.Count, collected.Single(m => m.Name == "kn.eventing.deliveries").Total((KnativeAttributes.DeliveryOutcome, "delivered")));
    }

    [Fact]
    public async Task A_produce_the_broker_rejects_reaches_the_caller_with_librdkafkas_error_name()
    {
        var mock = fixture.RequireMock();
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 1);
        await bed.ProduceAsync(0); // connections and metadata in place

        mock.PushRequestErrors(0 /* Produce */, ErrorCode.MsgSizeTooLarge);
        var ex = await Assert.ThrowsAsync<KafkaProduceException>(() => bed.ProduceAsync(1));
        await bed.ProduceAsync(2);

        Assert.Equal("MSG_SIZE_TOO_LARGE", ex.ErrorType);
        var ingress = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.ingress.duration");
        Assert.Equal(1, ingress.Total((ErrorType, "MSG_SIZE_TOO_LARGE")));
        Assert.Equal(3, ingress.Total());
        Assert.Equal(2, bed.Fixture.Offsets(bed.Topic, null).HighWatermarks);
    }
}
