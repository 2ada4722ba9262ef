using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.Exporter.Tests.Hosting;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>The game's whole flow on the embedded backend, checked through a real scrape.</summary>
[Trait("Category", "Integration")]
public sealed class GameFlowTests
{
    [Fact]
    public Task A_fixed_game_on_the_embedded_backend_gives_metrics_that_equal_what_happened() =>
        GameFlow.RunAndVerifyAsync("Embedded");
}

/// <summary>The same game flow on a real RabbitMQ node.</summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQGameFlowTests(RabbitMQFixture fixture)
{
    [Fact]
    public Task A_fixed_game_on_rabbitmq_gives_metrics_that_equal_what_happened() =>
        GameFlow.RunAndVerifyAsync("RabbitMQBroker", "--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
}

/// <summary>The same game flow on a Kafka protocol endpoint.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaGameFlowTests(KafkaFixture fixture)
{
    [Fact]
    public Task A_fixed_game_on_kafka_gives_metrics_that_equal_what_happened() =>
        GameFlow.RunAndVerifyAsync("Kafka", "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
}

/// <summary>Runs a fixed game and checks every figure against what happened.</summary>
internal static class GameFlow
{
    private static readonly string[] Triggers = ["leaderboard", "score-audit", "level-stats", "completions", "sessions"];

    public static async Task RunAndVerifyAsync(string brokerClass, params string[] backendArgs)
    {
        await using var exporter = await RunningExporter.StartAsync(["--players", "6", "--rate", "600", "--max-events", "600", .. backendArgs]);
        var game = exporter.Service<GameSimulator>();
        await game.Finished.WaitAsync(TimeSpan.FromSeconds(60));

        var scrape = await exporter.ScrapeUntilAsync(Settled, TimeSpan.FromSeconds(90));
        Assert.All(scrape.Samples.Where(s => s.Name.StartsWith("kn_eventing_", StringComparison.Ordinal)), s => Assert.Equal(brokerClass, s.Labels["otel_scope_kn_broker_class"]));

        Assert.Equal(600, game.EventsSent);
        Assert.Equal(0, game.Failed);
        Assert.Equal(600, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202"), ("kn_broker_name", "default")));
        var replies = scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "completions"), ("kn_delivery_outcome", "delivered"));
        Assert.Equal(game.ScoreEvents, replies); // one level-completed reply per score, re-ingested
        foreach (var trigger in Triggers)
        {
            Assert.Equal(game.EventsSent + replies, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", trigger)));
            Assert.Equal(0, scrape.Sum("kn_eventing_backlog", ("kn_trigger_name", trigger)));
        }

        Assert.Equal(game.ScoreEvents, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "leaderboard"), ("kn_delivery_outcome", "delivered")));
        var deadLettered = scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "score-audit"), ("kn_delivery_outcome", "dead_lettered"));
        Assert.True(deadLettered > 0, "with a 30 % failure rate and 2 retries some audits are dead-lettered");
        Assert.Equal(deadLettered, exporter.Service<DeadLetters>().Received);
        Assert.Equal(deadLettered, scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("messaging_destination_name", "deadletter:score-audit.demo")));
        Assert.True(scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("kn_trigger_name", "score-audit"), ("http_response_status_code", "503")) > deadLettered, "retries show as extra attempts");
        Assert.Equal(game.ScoreEvents, scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("messaging_destination_name", "reply:level-stats.demo")));
        var leaderboard = exporter.Service<Leaderboard>();
        Assert.Equal(game.ScoreSum, leaderboard.TotalScore);
        Assert.Equal(game.ScoreEvents, leaderboard.Events);
        var leaderboardJson = await exporter.Http.GetStringAsync($"{exporter.IngressUrl}/leaderboard");
        Assert.Contains($"\"totalScore\":{game.ScoreSum}", leaderboardJson);

        bool Settled(PrometheusText s) =>
            Triggers.All(t => s.Find("kn_eventing_backlog", ("kn_trigger_name", t)).Any() && s.Sum("kn_eventing_backlog", ("kn_trigger_name", t)) == 0)
            && Triggers.All(t => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", t)) == 600 + s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "completions"), ("kn_delivery_outcome", "delivered")));
    }
}
