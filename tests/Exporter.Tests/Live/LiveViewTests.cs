using System.Collections.Concurrent;
using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.TestInfrastructure;
using PuppeteerSharp;

namespace Knative.Eventing.Metrics.Exporter.Tests.Live;

/// <summary>
/// The live view in a real browser (Debian's headless Chromium, driven by PuppeteerSharp; nothing is
/// downloaded): the page updates at least once a second while the game runs, no request leaves the
/// exporter, and once the flow has settled its per-trigger totals equal the scrape's.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LiveViewTests
{
    private static readonly string[] Outcomes = ["delivered", "filtered", "dead_lettered", "dropped"];

    [Fact]
    public async Task The_page_streams_live_updates_and_its_trigger_totals_equal_the_scrape()
    {
        var chromium = ExternalTool.Require("chromium", "chromium");
        await using var exporter = await RunningExporter.StartAsync("--players", "6", "--rate", "60", "--max-events", "600");
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = chromium.Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 900 });
        var requests = new ConcurrentQueue<string>();
        page.Request += (_, e) => requests.Enqueue(e.Request.Url);

        await page.GoToAsync($"{exporter.IngressUrl}/");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('frames').textContent) >= 3", new WaitForFunctionOptions { Timeout = 15_000 });
        var before = await Frames(page);
        var started = DateTime.UtcNow;
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('frames').textContent) >= {before + 4}", new WaitForFunctionOptions { Timeout = 10_000 });
        var elapsed = DateTime.UtcNow - started;
        Assert.True(elapsed < TimeSpan.FromSeconds(6.5), $"4 live updates took {elapsed.TotalSeconds:F1} s (expected about one a second)");
        Assert.Equal("live", await page.EvaluateExpressionAsync<string>("document.getElementById('connection').textContent"));
        Assert.Contains("demo/default/leaderboard", await page.EvaluateExpressionAsync<string>("document.querySelector('#triggers tbody').textContent"));
        await page.ScreenshotAsync(Environment.GetEnvironmentVariable("KEM_LIVE_VIEW_SCREENSHOT") ?? Path.Combine(Path.GetTempPath(), "kem-live-view.png"), new ScreenshotOptions { FullPage = true });

        // The flow ends; once everything is delivered the scrape stops changing and the page must show its totals.
        await exporter.Service<GameSimulator>().Finished.WaitAsync(TimeSpan.FromSeconds(60));
        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_backlog") == 0 && s.Sum("kn_eventing_dispatch_active") == 0, TimeSpan.FromSeconds(30));
        var triggers = scrape.Find("kn_eventing_deliveries_total").Select(s => s.Labels["kn_trigger_name"]).Distinct().ToList();
        Assert.Equal(5, triggers.Count);
        var expected = triggers.ToDictionary(t => t, t => Outcomes.Select(o => (long)scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", t), ("kn_delivery_outcome", o))).ToArray());
        string[] shown = [];
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            shown = await page.EvaluateExpressionAsync<string[]>(
                "[...document.querySelectorAll('#triggers tbody tr')].map(r => r.dataset.trigger + '=' + ['delivered','filtered','dead_lettered','dropped'].map(f => r.querySelector(`[data-field=${f}]`).textContent.replace(/,/g, '')).join(','))");
            if (shown.Order().SequenceEqual(expected.Select(e => $"demo/default/{e.Key}={string.Join(',', e.Value)}").Order()))
            {
                break;
            }

            await page.WaitForFunctionAsync($"n => Number(document.getElementById('frames').textContent) > n", new WaitForFunctionOptions { Timeout = 5_000 }, await Frames(page));
        }

        Assert.Equal(expected.Select(e => $"demo/default/{e.Key}={string.Join(',', e.Value)}").Order(), shown.Order());

        // Each row adds up: what reached the trigger (accepted + re-ingested replies) is what it delivered, filtered out,
        // dead-lettered or dropped.
        var rows = await page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('#triggers tbody tr')].map(r => ['reached','delivered','filtered','dead_lettered','dropped'].map(f => r.querySelector(`[data-field=${f}]`).textContent.replace(/,/g, '')).join(','))");
        Assert.Equal(5, rows.Length);
        Assert.All(rows, row => Assert.Equal(row.Split(',').Select(long.Parse).First(), row.Split(',').Select(long.Parse).Skip(1).Sum()));
        Assert.True(expected.Values.Sum(v => v[0]) > 0);
        var final = await exporter.ScrapeAsync();
        Assert.Equal(scrape.Sum("kn_eventing_deliveries_total"), PrometheusText.Parse(final).Sum("kn_eventing_deliveries_total")); // the flow had settled

        // Self-contained: every request the page made went to the exporter.
        Assert.NotEmpty(requests);
        Assert.All(requests, url => Assert.StartsWith(exporter.IngressUrl, url));
    }

    private static Task<int> Frames(IPage page) => page.EvaluateExpressionAsync<int>("Number(document.getElementById('frames').textContent)");
}
