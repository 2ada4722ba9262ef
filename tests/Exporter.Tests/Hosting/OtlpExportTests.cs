using System.Net;
using System.Text;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, the exporter also pushes its metrics over OTLP/HTTP to a real
/// receiver: the catalogue's names, units and buckets, and the same counts the Prometheus scrape shows.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OtlpExportTests
{
    private const int Valid = 3;
    private const int Malformed = 2;

    [Fact]
    public async Task With_an_otlp_endpoint_the_metrics_are_pushed_with_the_catalogue_units_buckets_and_exact_counts()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var exporter = await RunningExporter.StartAsync(
            "--players", "0",
            "--OTEL_EXPORTER_OTLP_ENDPOINT", receiver.Endpoint,
            "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "--OTEL_METRIC_EXPORT_INTERVAL", "200");
        var broker = $"{exporter.IngressUrl}/demo/default";
        for (var n = 0; n < Valid; n++)
        {
            using var accepted = await exporter.Http.SendAsync(LoadScenario.Event(broker, "otlp", n));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        for (var n = 0; n < Malformed; n++)
        {
            using var rejected = await exporter.Http.PostAsync(broker, new StringContent("""{"specversion":"1.0","id":""", Encoding.UTF8, "application/cloudevents+json"));
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        }

        var export = await receiver.WaitForAsync(
            e => e.Find(KnativeEventingMeterNames.Core, "kn.eventing.ingress.duration")?.Total(("http.response.status_code", 202L)) == Valid
                && e.Find(KnativeEventingMeterNames.Core, "kn.eventing.events.invalid")?.Total(("error.type", "malformed")) == Malformed,
            TimeSpan.FromSeconds(30));
        var ingress = export.Find(KnativeEventingMeterNames.Core, "kn.eventing.ingress.duration")!;
        var invalid = export.Find(KnativeEventingMeterNames.Core, "kn.eventing.events.invalid")!;

        Assert.Equal("knative-eventing-metrics-exporter", export.Resource["service.name"]);
        Assert.Equal(("histogram", "s"), (ingress.Kind, ingress.Unit));
        Assert.All(ingress.Points, p => Assert.Equal(HistogramBuckets.Seconds, p.Bounds));
        Assert.All(ingress.Points, p => Assert.Equal(p.Count, (ulong)p.BucketCounts.Sum(c => (long)c)));
        Assert.Equal(Valid, ingress.Total(("http.response.status_code", 202L), ("kn.broker.name", "default"), ("kn.broker.namespace", "demo")));
        Assert.Equal(Malformed, ingress.Total(("http.response.status_code", 400L)));
        Assert.Equal("sum", invalid.Kind);

        // The scrape agrees with the push.
        var scrape = PrometheusText.Parse(await exporter.ScrapeAsync());
        Assert.Equal(Valid, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")));
        Assert.Equal(Malformed, scrape.Sum("kn_eventing_events_invalid_total", ("error_type", "malformed")));
    }
}
