using System.Text;
using Confluent.Kafka;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>Records that are not valid CloudEvents are counted with their reason and skipped; their valid neighbours flow.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaCollection.Name)]
public sealed class InvalidRecordTests(KafkaFixture fixture)
{
    [Fact]
    public async Task Invalid_records_are_counted_by_reason_handed_to_the_policy_and_committed_past()
    {
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 1);
        var trigger = new TriggerRef(bed.Broker, "audit");
        var (handler, seen, _) = KafkaTestBed.CountingHandler(int.MaxValue);
        var policy = new List<InvalidEventReason>();
        var options = new KafkaConsumerOptions { CommitInterval = TimeSpan.FromMilliseconds(200), OnInvalidMessage = (_, ex) => { lock (policy) { policy.Add(ex.Reason); } } };

        await bed.ProduceAsync(1);
        await Raw(bed, new Headers { { "content-type", Encoding.UTF8.GetBytes("application/json") } }, "{\"no\":\"headers\"}");
        await bed.ProduceAsync(2);
        await Raw(bed, Binary("0.3"), "{}");
        await bed.ProduceAsync(3);
        await Raw(bed, new Headers { { "content-type", Encoding.UTF8.GetBytes("application/cloudevents+json") } }, "{\"specversion\":\"1.0\",");
        await Raw(bed, Binary("1.0", type: new byte[] { 0xC3, 0x28 }), "{}");
        bed.Consumer(trigger, handler, options);

        var offsets = await bed.WaitForOffsetsAsync(KafkaNames.ConsumerGroup(trigger), o => o.Committed == 7);

        Assert.Equal(7, offsets.Committed);
        Assert.Equal(["1", "2", "3"], seen.Keys.Order());
        var invalid = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.events.invalid");
        Assert.Equal(1, invalid.Total((ErrorType, "missing_attribute"), (BrokerName, bed.Broker.Name)));
        Assert.Equal(1, invalid.Total((ErrorType, "invalid_specversion")));
        Assert.Equal(2, invalid.Total((ErrorType, "malformed")));
        Assert.Equal(4, invalid.Total());
        lock (policy)
        {
            // Unordered delivery (the default) hands the records over concurrently: the callbacks come in any order.
            Assert.Equal(
                new[] { InvalidEventReason.MissingAttribute, InvalidEventReason.InvalidSpecVersion, InvalidEventReason.Malformed, InvalidEventReason.Malformed }.Order(),
                policy.Order());
        }

        Assert.Equal(3, bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.deliveries").Total());
    }

    private static Headers Binary(string specVersion, byte[]? type = null) => new()
    {
        { "ce_specversion", Encoding.UTF8.GetBytes(specVersion) },
        { "ce_id", Encoding.UTF8.GetBytes("x") },
        { "ce_source", Encoding.UTF8.GetBytes("/s") },
        { "ce_type", type ?? Encoding.UTF8.GetBytes("t") },
    };

    private static Task Raw(KafkaTestBed bed, Headers headers, string value) =>
        bed.Producer.ProduceAsync(bed.Topic, new Message<byte[]?, byte[]?> { Headers = headers, Value = Encoding.UTF8.GetBytes(value) });
}
