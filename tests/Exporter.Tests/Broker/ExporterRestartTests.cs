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
        string[] backend = ["--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix];
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
            s => deliveredBefore + leaderboard.Events >= scoresAccepted && s.Sum("kn_eventing_backlog", ("kn_trigger_name", "leaderboard")) == 0,
            TimeSpan.FromSeconds(60));

        Assert.True(accepted >= 100, $"only {accepted} events before the restart");
        Assert.True(deliveredBefore + leaderboard.Events >= scoresAccepted, $"{scoresAccepted} scores acknowledged, {deliveredBefore} + {leaderboard.Events} delivered");
        Assert.Equal(0, scrape.Value("kn_eventing_backlog", ("kn_trigger_name", "leaderboard")));
        var queue = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetQueueAsync($"{prefix}.demo.default.leaderboard"), q => q.Messages == 0, TimeSpan.FromSeconds(30));
        Assert.Equal(0, queue.Messages);
    }
}
