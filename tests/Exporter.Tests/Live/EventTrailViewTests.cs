using Knative.Eventing.Metrics.Exporter.Tests.Tracing;
using System.Net;
using System.Text.Json;
using Knative.Eventing.Metrics.TestInfrastructure;
using PuppeteerSharp;

namespace Knative.Eventing.Metrics.Exporter.Tests.Live;

/// <summary>
/// "Where did my event go" for a person with no trace backend: an event whose first attempt fails, looked up by its id in the
/// live view (headless Chromium) and as JSON; unknown ids are a 404 problem.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EventTrailViewTests
{
    [Fact]
    public async Task The_live_view_shows_an_events_trail_with_the_failed_attempt_the_backoff_and_the_outcome()
    {
        var chromium = ExternalTool.Require("chromium", "chromium");
        await using var subscriber = await CountingSubscriber.StartAsync();
        subscriber.FailFirstAttempts = 1;
        await using var exporter = await RunningExporter.StartAsync(
            ["--players", "0", .. TracedTrigger.Args(subscriber.Url, ("Retry", "2"), ("BackoffDelay", "PT0.05S"))]);
        var (request, traceId, _) = TracedTrigger.Event(exporter.IngressUrl, "where-1");
        using var sent = request;
        using (var accepted = await exporter.Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        // JSON: the trail, once the delivery ended (its process span is the last to end).
        var trail = await Poll.UntilAsync(
            async () => JsonDocument.Parse(await exporter.Http.GetStringAsync($"{exporter.IngressUrl}/live/trails?trace={traceId}")).RootElement,
            t => t.GetProperty("steps").EnumerateArray().Any(s => s.GetProperty("name").GetString() == "process trigger:traced.demo"),
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(100));
        var attempts = trail.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("hop").GetString() == "attempt").ToList();
        Assert.Equal([503, 200], attempts.Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.True(trail.GetProperty("failed").GetBoolean());
        Assert.Equal(["where-1"], trail.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()));
        using var byEvent = await exporter.Http.GetAsync($"{exporter.IngressUrl}/live/trails/where-1");
        Assert.Equal(HttpStatusCode.OK, byEvent.StatusCode);
        using var unknown = await exporter.Http.GetAsync($"{exporter.IngressUrl}/live/trails/never-sent");
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (unknown.StatusCode, unknown.Content.Headers.ContentType?.MediaType));
        using var badCount = await exporter.Http.GetAsync($"{exporter.IngressUrl}/live/trails?count=0");
        Assert.Equal(HttpStatusCode.BadRequest, badCount.StatusCode);

        // The page: looked up by event id, as a person would type it.
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = chromium.Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
        await using var page = await browser.NewPageAsync();
        await page.GoToAsync($"{exporter.IngressUrl}/");
        await page.TypeAsync("#trail-id", "where-1");
        await page.ClickAsync("#trail-form button");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#trail tbody tr[data-hop=attempt]').length === 2", new WaitForFunctionOptions { Timeout = 15_000 });
        var rows = await page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('#trail tbody tr')].map(r => r.dataset.hop + ':' + (r.dataset.name || '') + ':' + (r.dataset.status || ''))");
        Assert.Equal("ingress:send broker:default.demo:202", rows[0]);
        Assert.Equal("publish:publish broker:default.demo:ok", rows[1]);
        Assert.Contains("process:process trigger:traced.demo:delivered", rows);
        var firstAttempt = Array.IndexOf(rows, "attempt:send trigger:traced.demo:503");
        Assert.True(firstAttempt > 0, string.Join(" | ", rows));
        Assert.Equal("backoff::", rows[firstAttempt + 1]);
        Assert.Equal("attempt:send trigger:traced.demo:200", rows[firstAttempt + 2]);
        Assert.Contains(traceId, await page.EvaluateExpressionAsync<string>("document.getElementById('trail').textContent"));

        // The failed list links to the same trail, by trace id (as an exemplar's trace id does: /?trace=...).
        await page.GoToAsync($"{exporter.IngressUrl}/?trace={traceId}");
        await page.WaitForFunctionAsync($"() => document.querySelector('#failed a[data-trace=\"{traceId}\"]') !== null && document.querySelectorAll('#trail tbody tr[data-hop=attempt]').length === 2", new WaitForFunctionOptions { Timeout = 15_000 });
        await page.ScreenshotAsync(Path.Combine(Path.GetTempPath(), "kem-event-trail.png"), new ScreenshotOptions { FullPage = true });
    }
}
