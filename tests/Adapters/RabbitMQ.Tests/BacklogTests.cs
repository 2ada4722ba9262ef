using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>kn.eventing.backlog equals the queue depth RabbitMQ reports (ready + unacknowledged).</summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQCollection.Name)]
public sealed class BacklogTests(RabbitMQFixture fixture)
{
    [Fact]
    public async Task Backlog_equals_rabbitmq_depth_while_paused_while_held_and_after_draining()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        var (trigger, queue) = await bed.DeclareTriggerAsync("stats");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        var fiveHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = 0;
        var allHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = await bed.ConsumerAsync(trigger, queue, async (delivery, ct) =>
        {
            if (Interlocked.Increment(ref held) == 5)
            {
                fiveHeld.TrySetResult();
            }

            await release.Task;
            if (Interlocked.Increment(ref handled) == 30)
            {
                allHandled.TrySetResult();
            }

            return DeliveryOutcome.Delivered;
        }, parallelism: 5);
        using var backlog = RabbitMQTriggerBacklog.Register(bed.Metrics, bed.Connection, consumer, trigger);
        var publisher = await bed.PublisherAsync();
        await consumer.PauseAsync(CancellationToken.None);

        // Paused: everything is ready in the queue.
        for (var i = 0; i < 10; i++)
        {
            var (p, b) = RabbitMQTestBed.CloudEvent(i);
            await publisher.PublishAsync("k", p, b, "t", null, CancellationToken.None);
        }

        await AssertBacklogAsync(bed, queue, expected: 10);

        // Consuming with 5 held by the handler: 5 unacknowledged + the rest ready.
        for (var i = 10; i < 30; i++)
        {
            var (p, b) = RabbitMQTestBed.CloudEvent(i);
            await publisher.PublishAsync("k", p, b, "t", null, CancellationToken.None);
        }

        await consumer.ResumeAsync(CancellationToken.None);
        await fiveHeld.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(5, consumer.Unacknowledged);
        var stats = await AssertBacklogAsync(bed, queue, expected: 30);
        Assert.Equal(5, stats.Unacknowledged);

        // Drained.
        release.SetResult();
        await allHandled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await AssertBacklogAsync(bed, queue, expected: 0);
    }

    private static async Task<QueueStats> AssertBacklogAsync(RabbitMQTestBed bed, string queue, long expected)
    {
        var stats = await RabbitMQManagement.WaitForAsync(() => bed.Fixture.Management.GetQueueAsync(queue), q => q.Messages == expected, TimeSpan.FromSeconds(30));
        Assert.Equal(expected, stats.Messages);
        await RabbitMQManagement.WaitForAsync(
            async () =>
            {
                await bed.Metrics.RefreshBacklogAsync();
                return bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.backlog");
            },
            m => m.Points.Count == 2 && m.Points.Sum(p => p.LongValue) == expected,
            TimeSpan.FromSeconds(10)); // the last acks of a drained consumer reach the broker a moment after the handler returned
        var backlog = bed.Capture.Get(KnativeEventingMeterNames.Core, "kn.eventing.backlog");
        Assert.All(backlog.Points, p => Assert.Equal("stats", p.Tags[TriggerName]));

        // Ready messages are the broker-wide part, the consumer's unacknowledged ones this replica's part.
        Assert.Equal(stats.Messages - stats.Unacknowledged, Assert.Single(backlog.Points, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "broker")).LongValue);
        Assert.Equal(stats.Unacknowledged, Assert.Single(backlog.Points, p => Equals(p.Tags[KnativeAttributes.BacklogScope], "replica")).LongValue);
        return stats;
    }
}
