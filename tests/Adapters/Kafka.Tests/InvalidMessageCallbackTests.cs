using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>
/// The invalid-message rule shared with the RabbitMQ consumer (InvalidMessagePolicy; RabbitMQ.Tests has the same
/// test): an <c>OnInvalidMessage</c> callback that throws gets the record again (read again after the retry backoff)
/// until it returns; then the record is committed past; every read is counted once in kn.eventing.events.invalid;
/// nothing is delivered for it and the valid record behind it is delivered once.
/// </summary>
[Trait("Category", "Integration")]
[Collection(KafkaCollection.Name)]
public sealed class InvalidMessageCallbackTests(KafkaFixture fixture)
{
    [Fact]
    public async Task A_throwing_OnInvalidMessage_callback_gets_the_message_again_until_it_returns_then_it_is_settled_past()
    {
        await using var bed = await KafkaTestBed.CreateAsync(fixture, partitions: 1);
        var trigger = new TriggerRef(bed.Broker, "audit");
        var offered = new ConcurrentQueue<string>();
        var options = new KafkaConsumerOptions
        {
            CommitInterval = TimeSpan.FromMilliseconds(200),
            HandlerRetryBackoff = TimeSpan.FromMilliseconds(100),
            OnInvalidMessage = (record, _) =>
            {
                offered.Enqueue(Encoding.UTF8.GetString(record.Message.Value!));
                if (offered.Count <= 2)
                {
                    throw new InvalidOperationException("the dead-letter topic is down");
                }
            },
        };
        var (handler, seen, _) = KafkaTestBed.CountingHandler(int.MaxValue);

        var headers = new Headers { { "ce_specversion", "1.0"u8.ToArray() }, { "ce_id", "0"u8.ToArray() }, { "ce_source", "/s"u8.ToArray() } };
        await bed.Producer.ProduceAsync(bed.Topic, new Message<byte[]?, byte[]?> { Headers = headers, Value = "not-an-event"u8.ToArray() });
        await bed.ProduceAsync(1);
        bed.Consumer(trigger, handler, options);
        var offsets = await bed.WaitForOffsetsAsync(KafkaNames.ConsumerGroup(trigger), o => o.Committed == 2);

        Assert.Equal(2, offsets.Committed); // settled past
        Assert.Equal(["not-an-event", "not-an-event", "not-an-event"], offered);
        Assert.Equal(["1"], seen.Keys);
        var invalid = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.events.invalid");
        Assert.Equal(3, invalid.Total((ErrorType, "missing_attribute"), (BrokerName, bed.Broker.Name)));
        Assert.Equal(3, invalid.Total());
        Assert.Equal(1, bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.deliveries").Total());
    }
}
