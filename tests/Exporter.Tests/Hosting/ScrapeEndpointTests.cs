using System.Net;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>What a Prometheus server sees when it scrapes the running exporter.</summary>
[Trait("Category", "Integration")]
public sealed class ScrapeEndpointTests
{
    private static readonly string[] KnativeBuckets =
        ["0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5", "7.5", "10", "+Inf"];

    [Fact]
    public async Task A_scrape_shows_every_kn_eventing_series_with_knative_buckets_and_exact_values()
    {
        await using var exporter = await RunningExporter.StartAsync("--players", "0");
        var m = exporter.Metrics;
        var broker = new BrokerRef("test", "scrape");
        var trigger = new TriggerRef(broker, "leaderboard");
        for (var i = 0; i < 3; i++)
        {
            m.RecordIngress(broker, "dev.knative.game.score", TimeSpan.FromMilliseconds(20), 202);
        }

        m.RecordProcess(trigger, "dev.knative.game.score", TimeSpan.FromMilliseconds(1));
        m.RecordQueueDuration(trigger, "dev.knative.game.score", TimeSpan.FromMilliseconds(300));
        m.StartDispatch(trigger, DispatchTarget.Subscriber, "dev.knative.game.score").Complete(200);
        var inFlight = m.StartDispatch(trigger, DispatchTarget.Subscriber, "dev.knative.game.score");
        m.RecordDelivery(trigger, "dev.knative.game.score", DeliveryOutcome.Delivered);
        m.RecordInvalidEvent(broker, InvalidEventReason.Malformed);
        using var backlog = m.RegisterBacklogSource(trigger, _ => ValueTask.FromResult(new BacklogReading(4, 1)));
        await m.RefreshBacklogAsync();

        var body = await exporter.ScrapeAsync();
        var scrape = PrometheusText.Parse(body);
        inFlight.Complete(200);

        foreach (var instrument in KnativeEventingInstruments.All)
        {
            var family = instrument.PrometheusName;
            Assert.True(scrape.Types.ContainsKey(family), $"no # TYPE for {family} in:\n{body}");
            Assert.Equal(instrument.Description, scrape.Help[family]);
            Assert.Equal(
                instrument.Kind switch
                {
                    InstrumentKind.Histogram => "histogram",
                    InstrumentKind.Counter => "counter",
                    _ => "gauge",
                },
                scrape.Types[family]);
        }

        Assert.Equal(3, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202"), ("kn_broker_name", "scrape")));
        Assert.Equal(
            KnativeBuckets,
            scrape.Find("kn_eventing_ingress_duration_seconds_bucket", ("kn_broker_name", "scrape")).Select(s => s.Labels["le"]).ToArray());
        Assert.Equal(3, scrape.Find("kn_eventing_ingress_duration_seconds_bucket", ("le", "0.025"), ("kn_broker_name", "scrape")).Single().Value);
        Assert.Equal(0, scrape.Find("kn_eventing_ingress_duration_seconds_bucket", ("le", "0.01"), ("kn_broker_name", "scrape")).Single().Value);
        Assert.Equal(KnativeBuckets, scrape.Find("kn_eventing_dispatch_duration_seconds_bucket", ("kn_broker_name", "scrape")).Select(s => s.Labels["le"]).ToArray());
        Assert.Equal(1, scrape.Sum("kn_eventing_queue_duration_seconds_bucket", ("le", "0.5"), ("kn_broker_name", "scrape")) - scrape.Sum("kn_eventing_queue_duration_seconds_bucket", ("le", "0.25"), ("kn_broker_name", "scrape")));
        Assert.Equal(1, scrape.Sum("kn_eventing_deliveries_total", ("kn_delivery_outcome", "delivered"), ("kn_broker_name", "scrape")));
        Assert.Equal(1, scrape.Sum("kn_eventing_dispatch_active", ("kn_broker_name", "scrape")));
        Assert.Equal(4, scrape.Sum("kn_eventing_backlog", ("kn_broker_name", "scrape"), ("kn_backlog_scope", "broker")));
        Assert.Equal(1, scrape.Sum("kn_eventing_backlog", ("kn_broker_name", "scrape"), ("kn_backlog_scope", "replica")));
        Assert.Equal(1, scrape.Sum("kn_eventing_events_invalid_total", ("error_type", "malformed"), ("kn_broker_name", "scrape")));
        Assert.All(
            scrape.Samples.Where(s => s.Name.StartsWith("kn_eventing_", StringComparison.Ordinal)),
            s => Assert.Equal("Embedded", s.Labels["otel_scope_kn_broker_class"]));
    }

    [Fact]
    public async Task Promtool_check_metrics_reports_no_problem_for_a_scrape()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");
        await using var exporter = await RunningExporter.StartAsync("--players", "0");
        var m = exporter.Metrics;
        var broker = new BrokerRef("test", "scrape");
        var trigger = new TriggerRef(broker, "audit");
        m.RecordIngress(broker, "t", TimeSpan.FromMilliseconds(5), 202);
        m.RecordIngress(broker, "t", TimeSpan.FromMilliseconds(5), 503, ErrorTypes.Nack);
        m.RecordProcess(trigger, "t", TimeSpan.FromMilliseconds(1));
        m.RecordQueueDuration(trigger, "t", TimeSpan.FromMilliseconds(1));
        m.StartDispatch(trigger, DispatchTarget.Subscriber, "t").Fail(ErrorTypes.Timeout);
        m.StartDispatch(trigger, DispatchTarget.DeadLetterSink, "t").Complete(202);
        m.RecordDelivery(trigger, "t", DeliveryOutcome.DeadLettered);
        m.RecordInvalidEvent(broker, InvalidEventReason.TooLarge);
        using var backlog = m.RegisterBacklogSource(trigger, _ => ValueTask.FromResult(BacklogReading.BrokerWide(0)));
        await m.RefreshBacklogAsync();
        var body = await exporter.ScrapeAsync();
        Assert.Contains("kn_eventing_dispatch_duration_seconds_bucket", body);

        var result = await promtool.RunAsync(["check", "metrics"], stdin: body);

        Assert.True(result.ExitCode == 0 && result.Output.Trim().Length == 0, $"promtool check metrics: exit {result.ExitCode}\n{result.Output}");
    }

    [Fact]
    public async Task Metrics_are_served_only_on_the_metrics_listener_and_health_on_the_ingress_listener()
    {
        await using var exporter = await RunningExporter.StartAsync("--players", "0");

        Assert.NotEqual(exporter.MetricsUrl, exporter.IngressUrl);
        using var onIngress = await exporter.Http.GetAsync($"{exporter.IngressUrl}/metrics");
        Assert.Equal(HttpStatusCode.NotFound, onIngress.StatusCode);
        using var onMetrics = await exporter.Http.GetAsync($"{exporter.MetricsUrl}/metrics");
        Assert.Equal(HttpStatusCode.OK, onMetrics.StatusCode);
        Assert.StartsWith("text/plain", onMetrics.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Equal("Healthy", await exporter.Http.GetStringAsync($"{exporter.IngressUrl}/healthz"));
    }

    [Fact]
    public async Task With_a_bearer_token_only_authorised_scrapes_get_metrics()
    {
        await using var exporter = await RunningExporter.StartAsync("--players", "0", "--metrics-bearer-token", "s3cret");

        using var anonymous = await exporter.Http.GetAsync($"{exporter.MetricsUrl}/metrics");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, $"{exporter.MetricsUrl}/metrics") { Headers = { { "Authorization", "Bearer nope" } } };
        using var wrongResponse = await exporter.Http.SendAsync(wrong);
        using var right = new HttpRequestMessage(HttpMethod.Get, $"{exporter.MetricsUrl}/metrics") { Headers = { { "Authorization", "Bearer s3cret" } } };
        using var rightResponse = await exporter.Http.SendAsync(right);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightResponse.StatusCode);
        Assert.Contains("target_info", await rightResponse.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_custom_metrics_path_is_honoured()
    {
        await using var exporter = await RunningExporter.StartAsync("--metrics-path", "/custom-metrics");

        using var custom = await exporter.Http.GetAsync($"{exporter.MetricsUrl}/custom-metrics");
        using var standard = await exporter.Http.GetAsync($"{exporter.MetricsUrl}/metrics");

        Assert.Equal(HttpStatusCode.OK, custom.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, standard.StatusCode);
    }
}
