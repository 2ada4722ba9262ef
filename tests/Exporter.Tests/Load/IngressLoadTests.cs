using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Load;

/// <summary>
/// The ingress at a fixed rate for <see cref="LoadScenario.Duration"/> (60 s by default), scraped every
/// 250 ms meanwhile: sustained rate, p99 latency, heap growth, scrape times, and nothing lost.
/// </summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
public sealed class EmbeddedIngressLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_embedded_broker_sustains_its_rate_with_bounded_latency_and_memory_and_loses_nothing()
    {
        await using var scenario = await LoadScenario.StartAsync();
        await IngressLoadRun.RunAsync(scenario, rate: 2000, p99LimitMs: 100, output);
    }
}

/// <summary>The same load on a real RabbitMQ node; RabbitMQ's own counters must agree.</summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQIngressLoadTests(RabbitMQFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_rabbitmq_broker_sustains_its_rate_with_bounded_latency_and_memory_and_loses_nothing()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        await using var scenario = await LoadScenario.StartAsync("--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix);
        var accepted = await IngressLoadRun.RunAsync(scenario, rate: 500, p99LimitMs: 500, output);

        var exchange = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetExchangeAsync($"{prefix}.demo.default"), e => e.PublishedIn >= accepted, TimeSpan.FromSeconds(30));
        Assert.Equal(accepted, exchange.PublishedIn);
        // RabbitMQ samples a queue's depth and its message counters separately (quorum queues: on their own tick), so wait for the whole state.
        var expected = new QueueStats(0, 0, 0, accepted, accepted, 0, accepted);
        var queue = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetQueueAsync($"{prefix}.demo.default.{LoadScenario.LoadTrigger}"), q => q == expected || q.Acknowledged > accepted, TimeSpan.FromSeconds(30));
        Assert.Equal(expected, queue);
    }
}

/// <summary>One measured run: warm-up, heap baseline, the timed run with a scraper beside it, settle, checks.</summary>
internal static class IngressLoadRun
{
    public static async Task<long> RunAsync(LoadScenario scenario, int rate, double p99LimitMs, ITestOutputHelper output)
    {
        var load = new IngressLoad();
        await scenario.WarmUpAsync();
        var heapBefore = LoadScenario.HeapMiB();

        LoadReport report;
        await using (var scrapes = ScrapeMonitor.Start($"{scenario.Exporter.MetricsUrl}/metrics", TimeSpan.FromMilliseconds(250)))
        {
            report = await load.RunAsync(scenario.Client, rate, LoadScenario.Duration, n => scenario.Event("load", n));
            await scrapes.StopAsync();
            output.WriteLine($"load: {rate}/s for {LoadScenario.Duration.TotalSeconds} s: {report}");
            output.WriteLine($"scrapes under load: {scrapes}");
            Assert.Equal(0, scrapes.Failures);
            Assert.True(scrapes.DurationsMs.Count >= LoadScenario.Duration.TotalSeconds * 2, $"only {scrapes.DurationsMs.Count} scrapes");
            Assert.True(LatencyPercentiles.Of(scrapes.DurationsMs, 99) < 500, $"scrape p99 {LatencyPercentiles.Of(scrapes.DurationsMs, 99):F1} ms");
            Assert.True(scrapes.SeriesCounts.Max() - scrapes.SeriesCounts.Min() <= 10, $"series grew under steady load: {scrapes}");
        }

        var accepted = report.Answered(202);
        var heapAfter = await scenario.SettledHeapMiBAsync(accepted);
        var scrape = await scenario.ScrapeAsync();
        output.WriteLine($"heap {heapBefore:F1} MiB -> {heapAfter:F1} MiB after {accepted} events; working set {LoadScenario.WorkingSetMiB():F0} MiB");

        Assert.Equal(0, report.Failures);
        Assert.Equal(report.Requests, report.Answered(202));
        Assert.True(report.AcceptedPerSecond >= 0.95 * rate, $"sustained {report.AcceptedPerSecond:F0}/s of {rate}/s");
        Assert.True(report.Percentile(99) < p99LimitMs, $"p99 {report.Percentile(99):F1} ms over {p99LimitMs} ms");
        Assert.True(heapAfter - heapBefore < 32, $"heap grew {heapAfter - heapBefore:F1} MiB");
        scenario.AssertNothingLost(scrape, accepted, Enumerable.Range(0, (int)report.Requests).Select(n => $"load-{n}"));
        return accepted + scenario.WarmedUp;
    }
}
