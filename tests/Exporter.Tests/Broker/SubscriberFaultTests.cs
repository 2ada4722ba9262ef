using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>Subscribers that hang, answer 5xx or drop the connection: every attempt is counted with its error, every event ends dead-lettered, nothing is lost, the exporter keeps serving.</summary>
[Trait("Category", "Unit")]
public sealed class SubscriberFaultTests
{
    [Fact]
    public async Task Hanging_failing_and_connection_dropping_subscribers_are_retried_counted_and_dead_lettered()
    {
        await using var subscribers = await FaultySubscribers.StartAsync();
        // One player, 60 events: 10 sessions of a start and 5 scores; level-stats replies to each score (re-ingested).
        const int Events = 60, Scores = 50, Replies = Scores;
        var args = new List<string> { "--players", "1", "--rate", "400", "--max-events", $"{Events}" };
        var faults = new[] { ("hang", "/hang"), ("fail", "/fail"), ("drop", "/drop") };
        for (var i = 0; i < faults.Length; i++)
        {
            var (name, path) = faults[i];
            var key = $"--Broker:Triggers:{5 + i}:";
            args.AddRange([
                key + "Name", name, key + "Namespace", "demo", key + "Broker", "default",
                key + "Filter:Attributes:type", "dev.knative.game.score",
                key + "Subscriber", $"{subscribers.Url}{path}",
                key + "Delivery:Retry", "1", key + "Delivery:BackoffDelay", "PT0.01S", key + "Delivery:Timeout", "PT0.3S",
                key + "Delivery:DeadLetterSink", "inproc://dead-letters",
            ]);
        }

        await using var exporter = await RunningExporter.StartAsync([.. args]);
        var game = exporter.Service<GameSimulator>();
        await game.Finished.WaitAsync(TimeSpan.FromSeconds(60));
        var scrape = await exporter.ScrapeUntilAsync(
            s => faults.All(f => s.Sum("kn_eventing_backlog", ("kn_trigger_name", f.Item1)) == 0
                && s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", f.Item1)) >= Events + Replies
                // A scrape collects the instruments one after another: an event's outcome can show before its
                // last attempt does, so wait for the attempts too (the assertions below check them exactly).
                && s.Sum("kn_eventing_dispatch_duration_seconds_count", ("messaging_destination_name", $"trigger:{f.Item1}.demo")) >= 2 * Scores),
            TimeSpan.FromSeconds(90));

        Assert.Equal(((long)Events, (long)Scores, 0L), (game.EventsSent, game.ScoreEvents, game.Failed)); // the producer saw every event accepted
        Assert.Equal(Replies, scrape.Value("kn_eventing_deliveries_total", ("kn_trigger_name", "completions"), ("kn_delivery_outcome", "delivered")));
        foreach (var (name, _) in faults)
        {
            Assert.Equal(Events + Replies, scrape.Value("kn_eventing_deliveries_total", ("kn_trigger_name", name)));
            Assert.Equal(Scores, scrape.Value("kn_eventing_deliveries_total", ("kn_trigger_name", name), ("kn_delivery_outcome", "dead_lettered")));
            Assert.Equal(2 * Scores, scrape.Value("kn_eventing_dispatch_duration_seconds_count", ("messaging_destination_name", $"trigger:{name}.demo")));
            Assert.Equal(0, scrape.Value("kn_eventing_dispatch_active", ("kn_trigger_name", name)));
        }

        Assert.Equal(2 * Scores, scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("kn_trigger_name", "hang"), ("error_type", "timeout")));
        Assert.Equal(2 * Scores, scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("kn_trigger_name", "fail"), ("http_response_status_code", "503")));
        var dropped = scrape.Find("kn_eventing_dispatch_duration_seconds_count", ("kn_trigger_name", "drop"), ("messaging_destination_name", "trigger:drop.demo")).ToList();
        Assert.All(dropped, s => Assert.True(s.Labels.ContainsKey("error_type") && !s.Labels.ContainsKey("http_response_status_code"), $"a dropped connection is an error without a status: {string.Join(',', s.Labels)}"));
        var deadLetters = scrape.Sum("kn_eventing_deliveries_total", ("kn_delivery_outcome", "dead_lettered"));
        Assert.Equal(deadLetters, exporter.Service<DeadLetters>().Received);
        Assert.Equal("Healthy", await exporter.Http.GetStringAsync($"{exporter.IngressUrl}/healthz"));
    }

    /// <summary>A subscriber server on 127.0.0.1 whose endpoints misbehave.</summary>
    private sealed class FaultySubscribers : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FaultySubscribers(WebApplication app) => _app = app;

        public string Url => _app.Urls.Single();

        public static async Task<FaultySubscribers> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapPost("/hang", async (HttpContext context) => await Task.Delay(Timeout.Infinite, context.RequestAborted));
            app.MapPost("/fail", () => Results.StatusCode(503));
            app.MapPost("/drop", (HttpContext context) => context.Abort());
            await app.StartAsync();
            return new FaultySubscribers(app);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
