using System.Net;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Tracing;

/// <summary>
/// Latencies recorded inside a sampled span carry exemplars: a real Prometheus with exemplar storage, scraping the exporter in
/// OpenMetrics, returns exemplars on the ingress, queue, process and dispatch durations whose trace ids are the senders'.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ExemplarTests
{
    private const int Events = 5;

    [Fact]
    public async Task Prometheus_stores_exemplars_of_every_latency_with_the_senders_trace_ids()
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        await using var exporter = await RunningExporter.StartAsync(["--players", "0", .. TracedTrigger.Args(subscriber.Url)]);
        await using var prometheus = await PrometheusServer.StartAsync(new Uri(exporter.MetricsUrl).Authority, []);

        var sent = new HashSet<string>();
        for (var n = 0; n < Events; n++)
        {
            var (request, traceId, _) = TracedTrigger.Event(exporter.IngressUrl, $"ex-{n}");
            sent.Add(traceId);
            using (request)
            using (var accepted = await exporter.Http.SendAsync(request))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }
        }

        string[] latencies =
        [
            "kn_eventing_ingress_duration_seconds_bucket",
            "kn_eventing_queue_duration_seconds_bucket{kn_trigger_name=\"traced\"}",
            "kn_eventing_process_duration_seconds_bucket{kn_trigger_name=\"traced\"}",
            "kn_eventing_dispatch_duration_seconds_bucket{kn_trigger_name=\"traced\"}",
        ];
        foreach (var query in latencies)
        {
            var exemplars = await Poll.UntilAsync(
                () => prometheus.QueryExemplarsAsync(query),
                e => e.Count > 0 && e.All(x => sent.Contains(x.Labels["trace_id"])),
                TimeSpan.FromSeconds(30),
                TimeSpan.FromMilliseconds(250));
            Assert.True(exemplars.Count > 0, $"no exemplar for {query}");
            Assert.All(exemplars, e =>
            {
                Assert.Contains(e.Labels["trace_id"], sent);
                Assert.Matches("^[0-9a-f]{16}$", e.Labels["span_id"]);
                Assert.InRange(e.Value, 0, 30);
            });
        }
    }
}
