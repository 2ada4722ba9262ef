namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>The adapter's recorders follow the core's rule: a failing metrics pipeline never fails a publish.</summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQCollection.Name)]
public sealed class RecordingFailureTests(RabbitMQFixture fixture)
{
    [Fact]
    public async Task A_failing_metrics_listener_never_fails_a_publish_and_the_failure_is_counted()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        var (_, queue) = await bed.DeclareTriggerAsync("kept");
        var publisher = await bed.PublisherAsync();
        var (properties, body) = RabbitMQTestBed.CloudEvent(1);
        using var throwing = new ThrowingMeterListener(KnativeEventingMeterNames.RabbitMQ);

        await publisher.PublishAsync("k", properties, body, "t", null, CancellationToken.None);

        Assert.Equal(1, bed.Instrumentation.RecordingFailures); // the publish's sent count threw, and was swallowed
        var stats = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetQueueAsync(queue), q => q.Messages == 1, TimeSpan.FromSeconds(15));
        Assert.Equal(1, stats.Messages);
    }
}
