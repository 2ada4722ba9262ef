namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>
/// RabbitMQ's memory alarm on the real node: the publishing connection is reported blocked while the alarm
/// lasts, unblocked when it clears, and what was published while blocked is confirmed and stored.
/// </summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQCollection.Name)]
public sealed class MemoryAlarmTests(RabbitMQFixture fixture)
{
    private const string Blocked = "rabbitmq.client.connection.blocked";

    [Fact]
    public async Task A_memory_alarm_counts_the_connection_blocked_until_it_clears_and_loses_nothing()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        using var monitor = RabbitMQConnectionMonitor.Attach(bed.Connection, bed.Instrumentation);
        var (_, queue) = await bed.DeclareTriggerAsync("leaderboard");
        var publisher = await bed.PublisherAsync(new RabbitMQPublisherOptions { ConfirmTimeout = TimeSpan.FromSeconds(60) });
        await PublishAsync(publisher, 0);
        Assert.Equal(0, BlockedConnections(bed));

        Task whileBlocked;
        await fixture.SetMemoryAlarmAsync(raised: true);
        try
        {
            // RabbitMQ blocks a connection when it next publishes under the alarm, and says so (connection.blocked).
            whileBlocked = PublishAsync(publisher, 1);
            await Poll.UntilAsync(() => Task.FromResult(BlockedConnections(bed)), n => n == 1, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

            Assert.Equal(1, BlockedConnections(bed));
            Assert.True(monitor.IsBlocked);
            Assert.False(whileBlocked.IsCompleted, "a publish was confirmed while the connection was blocked");
        }
        finally
        {
            await fixture.SetMemoryAlarmAsync(raised: false);
        }

        await whileBlocked.WaitAsync(TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(() => Task.FromResult(BlockedConnections(bed)), n => n == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

        Assert.Equal(0, BlockedConnections(bed));
        Assert.False(monitor.IsBlocked);
        Assert.Equal(2, bed.Capture.Get(KnativeEventingMeterNames.RabbitMQ, "messaging.client.sent.messages").Total());
        var stats = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetQueueAsync(queue), q => q.Messages == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, stats.Messages);
    }

    private static long BlockedConnections(RabbitMQTestBed bed) =>
        bed.Capture.Get(KnativeEventingMeterNames.RabbitMQ, Blocked).Total(("server.address", bed.Fixture.AmqpUri.Host), ("server.port", bed.Fixture.AmqpUri.Port));

    private static Task PublishAsync(RabbitMQPublisher publisher, int id)
    {
        var (properties, body) = RabbitMQTestBed.CloudEvent(id);
        return publisher.PublishAsync("k", properties, body, "dev.knative.game.score", null, CancellationToken.None);
    }
}
