using System.Net;

namespace Knative.Eventing.Metrics.Exporter.Tests.Tracing;

/// <summary>
/// The exemplar filter is trace-based unless <c>OTEL_METRICS_EXEMPLAR_FILTER</c> says otherwise: read from the exporter's own
/// OpenMetrics scrape (the format Prometheus asks for; the plain text format has no exemplars).
/// </summary>
[Trait("Category", "Unit")]
public sealed class ExemplarFilterTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("always_off", false)]
    public async Task The_exemplar_filter_is_trace_based_unless_OTEL_METRICS_EXEMPLAR_FILTER_says_otherwise(string? filter, bool expected)
    {
        string[] args = filter is null ? ["--players", "0"] : ["--players", "0", "--OTEL_METRICS_EXEMPLAR_FILTER", filter];
        await using var exporter = await RunningExporter.StartAsync(args);
        var (request, traceId, _) = TracedTrigger.Event(exporter.IngressUrl, "ex-1");
        using var sent = request;
        using (var accepted = await exporter.Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using var scrape = new HttpRequestMessage(HttpMethod.Get, $"{exporter.MetricsUrl}/metrics");
        scrape.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");
        using var response = await exporter.Http.SendAsync(scrape);
        var text = await response.Content.ReadAsStringAsync();
        var ingress = text.Split('\n').Where(l => l.StartsWith("kn_eventing_ingress_duration_seconds_bucket", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(ingress);
        Assert.Equal(expected, ingress.Any(l => l.Contains($"trace_id=\"{traceId}\"", StringComparison.Ordinal)));
        Assert.Equal(expected, text.Contains("# {trace_id=", StringComparison.Ordinal));
    }
}
