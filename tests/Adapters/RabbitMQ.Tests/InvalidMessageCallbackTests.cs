using System.Collections.Concurrent;
using System.Text;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>
/// The invalid-message rule shared with the Kafka consumer (InvalidMessagePolicy; Kafka.Tests has the same test): an
/// <c>OnInvalidMessage</c> callback that throws gets the message again (it goes back to the queue) until it returns;
/// then the message is settled past; every read is counted once in kn.eventing.events.invalid; nothing is delivered
/// for it and the valid message beside it is delivered once.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQCollection.Name)]
public sealed class InvalidMessageCallbackTests(RabbitMQFixture fixture)
{
    [Fact]
    public async Task A_throwing_OnInvalidMessage_callback_gets_the_message_again_until_it_returns_then_it_is_settled_past()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        var (trigger, queue) = await bed.DeclareTriggerAsync("audit");
        var offered = new ConcurrentQueue<string>();
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new RabbitMQConsumerOptions
        {
            OnInvalidMessage = (message, _) =>
            {
                offered.Enqueue(Encoding.UTF8.GetString(message.Body.Span));
                if (offered.Count <= 2)
                {
                    throw new InvalidOperationException("the dead-letter store is down");
                }

                settled.TrySetResult();
            },
        };
        var delivered = new ConcurrentBag<int>();
        var validDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<DeliveryOutcome> Deliver(RabbitMQDelivery d, CancellationToken ct)
        {
            delivered.Add(RabbitMQTestBed.IdOf(d));
            validDelivered.TrySetResult();
            return Task.FromResult(DeliveryOutcome.Delivered);
        }

        // One at a time (prefetch 1): the valid message behind it is delivered only once the invalid one is settled.
        await bed.ConsumerAsync(trigger, queue, Deliver, parallelism: 1, options: options);
        var publisher = await bed.PublisherAsync();

        var (properties, _) = RabbitMQTestBed.CloudEvent(0);
        properties.Headers!.Remove("cloudEvents:type");
        await publisher.PublishAsync("x", properties, Encoding.UTF8.GetBytes("not-an-event"), null, null, CancellationToken.None);
        var (valid, body) = RabbitMQTestBed.CloudEvent(1);
        await publisher.PublishAsync("x", valid, body, "dev.knative.game.score", null, CancellationToken.None);
        await settled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await validDelivered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stats = await RabbitMQManagement.WaitForAsync(() => bed.Fixture.Management.GetQueueAsync(queue), q => q.Messages == 0, TimeSpan.FromSeconds(30));

        Assert.Equal(0, stats.Messages); // settled past: neither ready nor unacknowledged
        Assert.Equal(["not-an-event", "not-an-event", "not-an-event"], offered);
        Assert.Equal([1], delivered);
        var invalid = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.events.invalid");
        Assert.Equal(3, invalid.Total((ErrorType, "missing_attribute"), (BrokerName, bed.Broker.Name)));
        Assert.Equal(3, invalid.Total());
        Assert.Equal(1, bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.deliveries").Total());
    }
}
