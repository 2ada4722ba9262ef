using System.Collections.Concurrent;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>A RabbitMQ node restart in the middle of a flow: failures reach the caller, nothing confirmed is lost.</summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQCollection.Name)]
public sealed class NodeRestartTests(RabbitMQFixture fixture)
{
    private const int BeforeOutage = 200;
    private const int AfterOutage = 200;

    [Fact]
    public async Task Publishing_resumes_after_a_node_restart_and_every_confirmed_event_is_delivered()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        using var monitor = RabbitMQConnectionMonitor.Attach(bed.Connection, bed.Instrumentation);
        var (trigger, queue) = await bed.DeclareTriggerAsync("leaderboard");
        var delivered = new ConcurrentDictionary<int, byte>();
        var handlerSuccesses = 0;
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await bed.ConsumerAsync(trigger, queue, (delivery, ct) =>
        {
            Interlocked.Increment(ref handlerSuccesses);
            delivered.TryAdd(RabbitMQTestBed.IdOf(delivery), 0);
            if (delivered.Count == BeforeOutage + AfterOutage)
            {
                allDelivered.TrySetResult();
            }

            return Task.FromResult(DeliveryOutcome.Delivered);
        });
        var publisher = await bed.PublisherAsync(new RabbitMQPublisherOptions { ConfirmTimeout = TimeSpan.FromSeconds(5) });
        var confirmed = new List<int>();
        var failures = new List<string>();

        for (var id = 0; id < BeforeOutage; id++)
        {
            await PublishAsync(publisher, id);
            confirmed.Add(id);
        }

        await fixture.StopNodeAsync();
        var duringOutage = await Assert.ThrowsAsync<RabbitMQPublishException>(() => PublishAsync(publisher, BeforeOutage));
        failures.Add(duringOutage.ErrorType);
        await fixture.StartNodeAsync();

        // A producer retries what was not confirmed; automatic recovery brings the channel back.
        for (var id = BeforeOutage; id < BeforeOutage + AfterOutage; id++)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                try
                {
                    await PublishAsync(publisher, id);
                    confirmed.Add(id);
                    break;
                }
                catch (RabbitMQPublishException ex) when (DateTime.UtcNow < deadline)
                {
                    failures.Add(ex.ErrorType);
                    await Task.Delay(100); // a producer's retry backoff
                }
            }
        }

        await allDelivered.Task.WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(BeforeOutage + AfterOutage, confirmed.Count);
        Assert.All(confirmed, id => Assert.True(delivered.ContainsKey(id), $"confirmed event {id} was not delivered"));
        Assert.Equal("connection_refused", failures[0]);
        var collected = bed.Capture.Collect();
        var ingress = collected.Single(m => m.Name == "kn.eventing.ingress.duration");
        Assert.Equal(confirmed.Count, ingress.Points.Where(p => !p.Tags.ContainsKey(ErrorType)).Sum(p => p.Count));
        Assert.Equal(failures.Count, ingress.Points.Where(p => p.Tags.ContainsKey(ErrorType)).Sum(p => p.Count));
        foreach (var group in failures.GroupBy(f => f))
        {
            Assert.Equal(group.Count(), ingress.Total((ErrorType, group.Key)));
        }

        Assert.Equal(handlerSuccesses, collected.Single(m => m.Name == "kn.eventing.deliveries").Total((KnativeAttributes.DeliveryOutcome, "delivered")));
        // One node restart, one connection: one shutdown by the peer, one successful recovery (the failed attempts
        // while the node was down are counted with their error.type).
        var recoveries = collected.Single(m => m.Name == "rabbitmq.client.connection.recoveries");
        Assert.Equal(1, recoveries.Points.Where(p => !p.Tags.ContainsKey(ErrorType)).Sum(p => p.LongValue));
        Assert.Equal(recoveries.Total() - 1, recoveries.Points.Where(p => p.Tags.ContainsKey(ErrorType)).Sum(p => p.LongValue));
        Assert.Equal(1, collected.Single(m => m.Name == "rabbitmq.client.connection.shutdowns").Total(("rabbitmq.shutdown.initiator", "peer")));

        // Metrics keep counting after the restart, and match RabbitMQ's own view of the queue.
        var stats = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetQueueAsync(queue), q => q.Messages == 0, TimeSpan.FromSeconds(30));
        Assert.Equal(0, stats.Messages);
    }

    private static Task PublishAsync(RabbitMQPublisher publisher, int id)
    {
        var (properties, body) = RabbitMQTestBed.CloudEvent(id);
        return publisher.PublishAsync("k", properties, body, "dev.knative.game.score", null, CancellationToken.None);
    }
}
