using System.Net.Http.Headers;
using System.Text;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Attacks;

/// <summary>
/// Oversized and malformed events at a high rate, mixed with valid ones: each bad request gets its status
/// and is counted under its reason, every valid event is delivered, memory stays bounded, the ingress keeps serving.
/// </summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
public sealed class BadInputFloodTests(ITestOutputHelper output)
{
    private const int Rate = 1500;
    private const int MaxEventBytes = 64 * 1024;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);
    private static readonly byte[] Oversized = Encoding.UTF8.GetBytes($$"""{"blob":"{{new string('x', MaxEventBytes + (32 * 1024))}}"}""");

    /// <summary>The kinds of request, sent round-robin: (status, invalid-event reason or null for valid).</summary>
    private static readonly (int Status, string? Reason)[] Kinds =
    [
        (202, null),
        (413, "too_large"),
        (400, "malformed"),
        (400, "missing_attribute"),
        (400, "invalid_specversion"),
        (415, "unsupported_media_type"),
    ];

    [Fact]
    public async Task Oversized_and_malformed_events_at_high_rate_are_rejected_counted_and_do_not_disturb_valid_traffic()
    {
        await using var scenario = await LoadScenario.StartAsync("--Broker:MaxEventBytes", MaxEventBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await scenario.WarmUpAsync();
        var heapBefore = LoadScenario.HeapMiB();

        var report = await new IngressLoad().RunAsync(scenario.Client, Rate, Duration, n => Request(scenario, n));
        var perKind = report.Requests / Kinds.Length;
        var heapAfter = await scenario.SettledHeapMiBAsync(perKind);
        var scrape = await scenario.ScrapeAsync();
        output.WriteLine($"{Rate}/s for {Duration.TotalSeconds} s, {Kinds.Length - 1} of {Kinds.Length} requests bad: {report}");
        output.WriteLine($"heap {heapBefore:F1} -> {heapAfter:F1} MiB; working set {LoadScenario.WorkingSetMiB():F0} MiB");

        Assert.Equal(0, report.Failures);
        Assert.Equal(0, report.Retries);
        Assert.Equal(report.Requests, perKind * Kinds.Length);
        foreach (var group in Kinds.GroupBy(k => k.Status))
        {
            Assert.Equal(perKind * group.Count(), report.Answered(group.Key));
            Assert.Equal((perKind * group.Count()) + (group.Key == 202 ? scenario.WarmedUp : 0), scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        foreach (var (_, reason) in Kinds.Where(k => k.Reason is not null))
        {
            Assert.Equal(perKind, scrape.Sum("kn_eventing_events_invalid_total", ("error_type", reason!)));
        }

        Assert.True(report.Percentile(99) < 250, $"p99 {report.Percentile(99):F1} ms");
        Assert.True(heapAfter - heapBefore < 32, $"heap grew {heapAfter - heapBefore:F1} MiB");
        scenario.AssertNothingLost(scrape, perKind, Enumerable.Range(0, (int)report.Requests).Where(n => n % Kinds.Length == 0).Select(n => $"flood-{n}"));
        Assert.Equal("Healthy", await scenario.Exporter.Http.GetStringAsync($"{scenario.Exporter.IngressUrl}/healthz"));
    }

    private static HttpRequestMessage Request(LoadScenario scenario, long n)
    {
        var message = scenario.Event("flood", n);
        switch (n % Kinds.Length)
        {
            case 1:
                message.Content = new ByteArrayContent(Oversized);
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                break;
            case 2:
                message.Content = Structured("""{"specversion":"1.0","id":"x","source":"/a","type":""");
                break;
            case 3:
                message.Headers.Remove("ce-id");
                break;
            case 4:
                message.Headers.Remove("ce-specversion");
                message.Headers.Add("ce-specversion", "0.1");
                break;
            case 5:
                message.Content = new StringContent("<event/>", Encoding.UTF8, "application/cloudevents+xml");
                break;
        }

        return message;
    }

    private static StringContent Structured(string body) => new(body, Encoding.UTF8, "application/cloudevents+json");
}
