using System.Globalization;
using System.Net;
using System.Text;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Attacks;

/// <summary>
/// 1,000,000 events with 1,000,000 distinct types (<c>KEM_ATTACK_EVENT_TYPES</c> for more) through the ingress
/// in batches: every one is accepted and accounted for, while series and memory stay bounded.
/// </summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
public sealed class EventTypeFloodTests(ITestOutputHelper output)
{
    private const int BatchSize = 1000;

    private static int EventTypes { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("KEM_ATTACK_EVENT_TYPES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= BatchSize ? n / BatchSize * BatchSize : 1_000_000;

    [Fact]
    public async Task A_million_distinct_event_types_keep_series_and_memory_bounded_and_lose_nothing()
    {
        await using var scenario = await LoadScenario.StartAsync();
        var load = new IngressLoad { MaxInFlight = 4 };
        await scenario.WarmUpAsync();

        // The first tenth fills every bounded slot (50 types, then _other); the rest must add nothing.
        var batches = EventTypes / BatchSize;
        var first = await load.RunAsync(scenario.Client, batches / 10, n => Batch(scenario, "flood", n));
        // Only the count is kept: the heap readings must not include a parsed scrape the test holds.
        var seriesFirst = (await scenario.SettleAsync(first.Answered(202) * BatchSize)).Samples.Count;
        var heapBefore = LoadScenario.HeapMiB();
        var rest = await load.RunAsync(scenario.Client, batches - (batches / 10), n => Batch(scenario, "flood", (batches / 10) + n));
        var accepted = (first.Answered(202) + rest.Answered(202)) * BatchSize;
        var heapAfter = await scenario.SettledHeapMiBAsync(accepted);
        var scrape = await scenario.ScrapeAsync();
        var types = scrape.Samples.Select(s => s.Labels.GetValueOrDefault("cloudevents_type")).OfType<string>().ToHashSet();
        var elapsed = first.Elapsed + rest.Elapsed;
        output.WriteLine($"{EventTypes} distinct types in {batches} batches of {BatchSize}: {first}; then {rest}");
        output.WriteLine($"{accepted / elapsed.TotalSeconds:F0} events/s; series after the first tenth {seriesFirst}, at the end {scrape.Samples.Count}; distinct cloudevents_type values {types.Count}; heap {heapBefore:F1} -> {heapAfter:F1} MiB over the last nine tenths; working set {LoadScenario.WorkingSetMiB():F0} MiB");

        Assert.Equal(batches / 10, first.Answered(202));
        Assert.Equal(batches - (batches / 10), rest.Answered(202));
        Assert.Equal(0, first.Failures + rest.Failures);
        Assert.Equal(51, types.Count); // the load type and the first 49 flood types, then _other (MaxEventTypes = 50)
        Assert.Contains("_other", types);
        Assert.Equal(seriesFirst, scrape.Samples.Count);
        Assert.True(heapAfter - heapBefore < 16, $"heap grew {heapAfter - heapBefore:F1} MiB");
        Assert.Equal(accepted + scenario.WarmedUp, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")));
        foreach (var trigger in LoadScenario.Triggers.Skip(1))
        {
            Assert.Equal(accepted + scenario.WarmedUp, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", trigger), ("kn_delivery_outcome", "filtered")));
        }

        Assert.Equal(accepted, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_delivery_outcome", "filtered")));
        Assert.Equal(scenario.WarmedUp, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_delivery_outcome", "delivered")));
        Assert.Equal(accepted - 49, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("cloudevents_type", "_other")));
        Assert.Equal("Healthy", await scenario.Exporter.Http.GetStringAsync($"{scenario.Exporter.IngressUrl}/healthz"));
    }

    /// <summary>Batch <paramref name="n"/>: <see cref="BatchSize"/> events, each with a type never seen before.</summary>
    private static HttpRequestMessage Batch(LoadScenario scenario, string run, long n)
    {
        var body = new StringBuilder(BatchSize * 140).Append('[');
        for (var i = 0; i < BatchSize; i++)
        {
            var id = (n * BatchSize) + i;
            body.Append(i == 0 ? string.Empty : ",")
                .Append(CultureInfo.InvariantCulture, $$"""{"specversion":"1.0","id":"{{run}}-{{id}}","source":"/attack","type":"dev.attack.{{run}}.{{id}}","data":1}""");
        }

        return new HttpRequestMessage(HttpMethod.Post, scenario.IngressUrl)
        {
            Content = new StringContent(body.Append(']').ToString(), Encoding.UTF8, "application/cloudevents-batch+json"),
        };
    }
}
