using System.Text.Json;
using System.Text.RegularExpressions;
using Knative.Eventing.Metrics.CloudEvents;
using Knative.Eventing.Metrics.Kafka;
using Knative.Eventing.Metrics.RabbitMQ;

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>The dashboards use only series of the catalogues, have the documented variables, and are described in docs/dashboards.md.</summary>
[Trait("Category", "Unit")]
public sealed partial class DashboardTests
{
    public static TheoryData<string> Dashboards() => ["knative-eventing-overview.json", "knative-eventing-transport.json"];

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Every_series_a_dashboard_uses_is_in_a_catalogue(string file)
    {
        var known = KnownSeries();
        var used = SeriesName().Matches(File.ReadAllText(RepositoryPaths.Combine("dashboards", file))).Select(m => m.Value).Distinct().ToList();

        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.True(known.Contains(name), $"{file} uses {name}, which no catalogue defines"));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void A_dashboard_has_a_datasource_variable_and_every_panel_is_described_in_the_docs(string file)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("dashboards", file)));
        var root = dashboard.RootElement;
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
        var page = MarkdownPage.Read("dashboards.md");

        Assert.Equal("datasource", variables[0]);
        Assert.All(root.GetProperty("panels").EnumerateArray(), panel =>
        {
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.True(page.Row(panel.GetProperty("title").GetString()!).Count > 0, $"docs/dashboards.md has no row for panel '{panel.GetProperty("title").GetString()}'");
        });
        if (file.Contains("overview", StringComparison.Ordinal))
        {
            Assert.Equal(["datasource", "trace_datasource", "namespace", "broker", "broker_class", "trigger"], variables);
        }
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Every_latency_quantile_of_a_histogram_recorded_inside_a_span_shows_exemplars(string file)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Combine("dashboards", file)));
        var targets = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("targets", out var t) ? t.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Where(t => t.GetProperty("expr").GetString()!.Contains("histogram_quantile", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(targets);
        Assert.All(targets, t =>
        {
            var expr = t.GetProperty("expr").GetString()!;
            // The transport's process duration is recorded after the delivery's span ended: no exemplar to show.
            var inSpan = !expr.Contains("messaging_process_duration", StringComparison.Ordinal);
            Assert.True(
                inSpan == (t.TryGetProperty("exemplar", out var e) && e.GetBoolean()),
                $"{file}: exemplar should be {inSpan} on {expr}");
        });
    }

    private static HashSet<string> KnownSeries() =>
        KnativeEventingInstruments.All.Concat(RabbitMQInstruments.All).Concat(KafkaInstruments.All).Concat(CloudEventsInstruments.All)
            .SelectMany(i => i.Kind == InstrumentKind.Histogram
                ? new[] { i.PrometheusName + "_bucket", i.PrometheusName + "_sum", i.PrometheusName + "_count" }
                : new[] { i.PrometheusName })
            .ToHashSet();

    [GeneratedRegex(@"\b(kn_eventing|messaging|rabbitmq|kafka|cloudevents)_[a-z_]+(?=[{\[])")]
    private static partial Regex SeriesName();
}
