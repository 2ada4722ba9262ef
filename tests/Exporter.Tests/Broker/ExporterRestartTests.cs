using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>The exporter stopped mid-flow on RabbitMQ and started again: everything it acknowledged is delivered (durable queues).</summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class ExporterRestartTests(RabbitMQFixture fixture)
{
    [Fact]
    public async Task Events_acknowledged_before_a_restart_are_delivered_after_it()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        // A trigger to a real subscriber beside the game's, so every score is seen by its id, across both exporters.
        await using var subscriber = await CountingSubscriber.StartAsync();
        string[] backend =
        [
            "--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix,
            "--Broker:Triggers:0:Name", "ids", "--Broker:Triggers:0:Namespace", "demo",
            "--Broker:Triggers:0:Filter:Attributes:type", "dev.knative.game.score", "--Broker:Triggers:0:Subscriber", subscriber.Url,
        ];
        long accepted, scoresAccepted, deliveredBefore;

        var first = await RunningExporter.StartAsync(["--players", "4", "--rate", "200", .. backend]);
        try
        {
            var game = first.Service<GameSimulator>();
            await first.ScrapeUntilAsync(s => s.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")) >= 100, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await first.App.StopAsync(); // graceful: the game stops, consumers drain, unacknowledged messages go back to their queues
            var game = first.Service<GameSimulator>();
            accepted = game.EventsSent;
            scoresAccepted = game.ScoreEvents;
            deliveredBefore = first.Service<Leaderboard>().Events;
            await first.DisposeAsync();
        }

        await using var second = await RunningExporter.StartAsync(["--players", "0", .. backend]);
        var leaderboard = second.Service<Leaderboard>();
        var scrape = await second.ScrapeUntilAsync(
            s => subscriber.Distinct >= scoresAccepted
                && s.Sum("kn_eventing_backlog", ("kn_trigger_name", "leaderboard")) == 0 && s.Sum("kn_eventing_backlog", ("kn_trigger_name", "ids")) == 0,
            TimeSpan.FromSeconds(60));

        Assert.True(accepted >= 100, $"only {accepted} events before the restart");
        // Every score the producers saw accepted reached the subscriber by its id; at most one more per player (a
        // request the stopping game gave up on after the broker had stored it). A graceful stop redelivers nothing
        // that was delivered, beyond what was in flight (the trigger's parallelism, 10).
        Assert.InRange(subscriber.Distinct, scoresAccepted, scoresAccepted + 4);
        Assert.InRange(subscriber.Received - subscriber.Distinct, 0, 10);
        Assert.InRange(deliveredBefore + leaderboard.Events, subscriber.Distinct, subscriber.Distinct + 10);
        Assert.Equal(0, scrape.Value("kn_eventing_backlog", ("kn_trigger_name", "leaderboard")));
        var queue = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetQueueAsync($"{prefix}.demo.default.leaderboard"), q => q.Messages == 0, TimeSpan.FromSeconds(30));
        Assert.Equal(0, queue.Messages);
    }
}
