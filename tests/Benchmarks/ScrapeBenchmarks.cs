using BenchmarkDotNet.Attributes;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>
/// A full <c>/metrics</c> scrape of the running exporter over loopback HTTP, with 1,000 and with 10,000
/// <c>kn_eventing_deliveries_total</c> series recorded (distinct triggers × outcomes), against a target of
/// 50 ms for 10,000 series.
/// </summary>
[MemoryDiagnoser]
public class ScrapeBenchmarks
{
    private RunningExporter _exporter = null!;
    private string _url = null!;

    [Params(1_000, 10_000)]
    public int Series { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _exporter = await RunningExporter.StartAsync("--players", "0");
        var broker = new BrokerRef("bench", "scrape");
        var outcomes = Enum.GetValues<DeliveryOutcome>();
        for (var i = 0; i < Series / outcomes.Length; i++)
        {
            var trigger = new TriggerRef(broker, $"trigger-{i}");
            foreach (var outcome in outcomes)
            {
                _exporter.Metrics.RecordDelivery(trigger, "t", outcome);
            }
        }

        _url = $"{_exporter.MetricsUrl}/metrics";
        var body = await _exporter.Http.GetStringAsync(_url);
        var series = body.Split('\n').Count(l => l.StartsWith("kn_eventing_deliveries_total{", StringComparison.Ordinal));
        if (series != Series)
        {
            throw new InvalidOperationException($"expected {Series} series, scraped {series}");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _exporter.DisposeAsync();

    [Benchmark(Description = "GET /metrics")]
    public Task<string> Scrape() => _exporter.Http.GetStringAsync(_url);
}
