using System.Collections.Concurrent;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>Counts recorded through OpenTelemetry equal what RabbitMQ itself reports.</summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQCollection.Name)]
public sealed class PublishAndConsumeTests(RabbitMQFixture fixture)
{
    private const int Events = 10_000;

    [Fact]
    public async Task Ten_thousand_concurrent_events_to_two_triggers_are_counted_as_rabbitmq_counts_them()
    {
        await using var bed = await RabbitMQTestBed.CreateAsync(fixture);
        var (leaderboard, leaderboardQueue) = await bed.DeclareTriggerAsync("leaderboard");
        var (audit, auditQueue) = await bed.DeclareTriggerAsync("audit");
        var delivered = new ConcurrentDictionary<(string Trigger, int Id), byte>();
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<DeliveryOutcome> Handle(RabbitMQDelivery delivery, CancellationToken ct)
        {
            delivery.Scope.RecordFilterDecision();
            var attempt = delivery.Scope.StartAttempt(DispatchTarget.Subscriber);
            attempt.Complete(200);
            if (delivered.TryAdd((delivery.Scope.Trigger.Name, RabbitMQTestBed.IdOf(delivery)), 0) && delivered.Count == 2 * Events)
            {
                allDelivered.TrySetResult();
            }

            return Task.FromResult(DeliveryOutcome.Delivered);
        }

        await bed.ConsumerAsync(leaderboard, leaderboardQueue, Handle);
        await bed.ConsumerAsync(audit, auditQueue, Handle);
        var publisher = await bed.PublisherAsync();

        await Parallel.ForEachAsync(
            Enumerable.Range(0, Events),
            new ParallelOptions { MaxDegreeOfParallelism = 64 },
            async (id, ct) =>
            {
                var (properties, body) = RabbitMQTestBed.CloudEvent(id);
                await publisher.PublishAsync("game.score", properties, body, "dev.knative.game.score", null, ct);
            });
        await allDelivered.Task.WaitAsync(TimeSpan.FromMinutes(2));

        var collected = bed.Capture.Collect();
        var ingress = collected.Single(m => m.Name == "kn.eventing.ingress.duration");
        Assert.Equal(Events, ingress.Total());
        Assert.Equal(Events, ingress.Total((MessagingDestinationName, bed.Exchange), (CloudEventsType, "dev.knative.game.score")));
        Assert.DoesNotContain(ingress.Points, p => p.Tags.ContainsKey(ErrorType));
        var deliveries = collected.Single(m => m.Name == "kn.eventing.deliveries");
        Assert.Equal(Events, deliveries.Total((TriggerName, "leaderboard"), (KnativeAttributes.DeliveryOutcome, "delivered")));
        Assert.Equal(Events, deliveries.Total((TriggerName, "audit"), (KnativeAttributes.DeliveryOutcome, "delivered")));
        Assert.Equal(2 * Events, collected.Single(m => m.Name == "kn.eventing.dispatch.duration").Total());
        Assert.Equal(2 * Events, collected.Single(m => m.Name == "kn.eventing.queue.duration").Total());
        Assert.Equal(2 * Events, collected.Single(m => m.Name == "kn.eventing.process.duration" && m.MeterName == KnativeEventingMeterNames.Core).Total());
        var sent = collected.Single(m => m.Name == "messaging.client.sent.messages");
        Assert.Equal(Events, sent.Total(("messaging.system", "rabbitmq"), (MessagingDestinationName, bed.Exchange)));
        var consumed = collected.Single(m => m.Name == "messaging.client.consumed.messages");
        Assert.Equal(Events, consumed.Total((MessagingDestinationName, leaderboardQueue)));
        Assert.Equal(Events, consumed.Total((MessagingDestinationName, auditQueue)));

        // What RabbitMQ itself counted (management statistics are sampled: wait for them to settle).
        var exchange = await RabbitMQManagement.WaitForAsync(() => bed.Fixture.Management.GetExchangeAsync(bed.Exchange), e => e.PublishedIn >= Events, TimeSpan.FromSeconds(30));
        Assert.Equal(Events, exchange.PublishedIn);
        foreach (var queue in new[] { leaderboardQueue, auditQueue })
        {
            var stats = await RabbitMQManagement.WaitForAsync(() => bed.Fixture.Management.GetQueueAsync(queue), q => q.Acknowledged >= Events && q.Messages == 0, TimeSpan.FromSeconds(30));
            Assert.Equal(Events, stats.Published);
            Assert.Equal(Events, stats.Delivered);
            Assert.Equal(Events, stats.Acknowledged);
            Assert.Equal(0, stats.Messages);
        }
    }
}
