using System.Text.Json;
using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Live;

/// <summary>
/// The live view's frame (<c>GET /live/frame</c>, what the page renders) reconciles for a person reading it: each
/// trigger's "reached" is its broker's accepted events plus the replies re-ingested into it, and equals what the
/// trigger delivered, filtered out, dead-lettered or dropped once the flow has settled.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LiveFrameTests
{
    [Fact]
    public async Task Each_triggers_totals_add_up_to_the_accepted_events_and_the_replies_re_ingested()
    {
        const int Events = 120;
        await using var exporter = await RunningExporter.StartAsync("--players", "1", "--rate", "400", "--max-events", $"{Events}");
        await exporter.Service<GameSimulator>().Finished.WaitAsync(TimeSpan.FromSeconds(30));
        var scrape = await exporter.ScrapeUntilAsync(
            s => s.Sum("kn_eventing_backlog") == 0 && s.Sum("kn_eventing_dispatch_active") == 0
                && new[] { "leaderboard", "score-audit", "level-stats", "completions", "sessions" }.All(t =>
                    s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", t)) == Events + (Events * 5 / 6)),
            TimeSpan.FromSeconds(30));
        Assert.Equal(0, scrape.Sum("kn_eventing_dispatch_active"));

        using var frame = JsonDocument.Parse(await exporter.Http.GetStringAsync($"{exporter.IngressUrl}/live/frame"));
        var broker = Assert.Single(frame.RootElement.GetProperty("brokers").EnumerateArray());
        var accepted = broker.GetProperty("accepted").GetDouble();
        var replies = broker.GetProperty("replies").GetDouble();
        Assert.Equal(Events, accepted);
        // One player: 20 sessions of a start and 5 scores; level-stats replies to every score it is delivered.
        var levelStats = scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "level-stats"), ("kn_delivery_outcome", "delivered"));
        Assert.Equal(Events * 5 / 6, levelStats);
        Assert.Equal(levelStats, replies);

        var triggers = frame.RootElement.GetProperty("triggers").EnumerateArray().ToList();
        Assert.Equal(5, triggers.Count);
        foreach (var t in triggers)
        {
            var reached = t.GetProperty("reached").GetDouble();
            var outcomes = new[] { "delivered", "filtered", "deadLettered", "dropped" }.Sum(o => t.GetProperty(o).GetDouble());
            Assert.True(reached == accepted + replies && outcomes == reached, $"{t.GetProperty("trigger")}: reached {reached}, outcomes {outcomes}, accepted {accepted} + replies {replies}");
        }
    }
}
