using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>A publish the broker does not accept reaches the caller and is counted with its error.type.</summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQCollection.Name)]
public sealed class PublishFailureTests(RabbitMQFixture fixture)
{
    [Fact]
    public async Task An_unroutable_publish_fails_with_unroutable_and_is_counted()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture, global::RabbitMQ.Client.ExchangeType.Direct); // no queue bound
        var publisher = await bed.PublisherAsync();
        var (properties, body) = RabbitMQTestBed.CloudEvent(1);

        var ex = await Assert.ThrowsAsync<RabbitMQPublishException>(() => publisher.PublishAsync("nobody", properties, body, "t", null, CancellationToken.None));

        Assert.Equal("unroutable", ex.ErrorType);
        var collected = bed.Capture.Collect();
        Assert.Equal(1, collected.Single(m => m.Name == "kn.eventing.ingress.duration").Total((ErrorType, "unroutable")));
        Assert.Equal(1, collected.Single(m => m.Name == "messaging.client.sent.messages").Total((ErrorType, "unroutable")));
    }

    [Fact]
    public async Task A_nacked_publish_fails_with_nack_and_is_counted()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        await bed.DeclareTriggerAsync("full", new Dictionary<string, object?> { ["x-max-length"] = 1, ["x-overflow"] = "reject-publish" });
        var publisher = await bed.PublisherAsync();
        var (properties, body) = RabbitMQTestBed.CloudEvent(1);
        await publisher.PublishAsync("k", properties, body, "t", null, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<RabbitMQPublishException>(() => publisher.PublishAsync("k", properties, body, "t", null, CancellationToken.None));

        Assert.Equal("nack", ex.ErrorType);
        var ingress = bed.Capture.Collect().Single(m => m.Name == "kn.eventing.ingress.duration");
        Assert.Equal(2, ingress.Total());
        Assert.Equal(1, ingress.Total((ErrorType, "nack")));
    }

    [Fact]
    public async Task Ingress_recording_can_be_left_to_the_caller()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        await bed.DeclareTriggerAsync("t");
        var publisher = await bed.PublisherAsync(new RabbitMQPublisherOptions { RecordIngress = false });
        var (properties, body) = RabbitMQTestBed.CloudEvent(1);

        await publisher.PublishAsync("k", properties, body, "t", null, CancellationToken.None);

        var collected = bed.Capture.Collect();
        Assert.DoesNotContain(collected, m => m.Name == "kn.eventing.ingress.duration");
        Assert.Equal(1, collected.Single(m => m.Name == "messaging.client.sent.messages").Total());
    }
}
