using System.Text.Json;

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>
/// A real Prometheus scrapes the exporter running the game on a healthy system (valid events, subscribers
/// that answer); every panel query (variables substituted) and every recording rule returns at least one
/// series, none excluded, and the panels of what does not happen show 0: on the embedded backend and on
/// RabbitMQ and Kafka, with one exporter and with three replicas (real processes) scraped by one Prometheus.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LiveDashboardTests
{
    [Fact]
    public Task Every_overview_panel_and_recording_rule_returns_series_on_the_embedded_backend() =>
        LiveDashboards.VerifyAsync("Embedded", ["knative-eventing-overview.json"], transportSystem: null, replicas: 1);

    [Fact]
    public Task Every_overview_panel_and_recording_rule_returns_series_on_the_embedded_backend_with_three_replicas() =>
        LiveDashboards.VerifyAsync("Embedded", ["knative-eventing-overview.json"], transportSystem: null, replicas: 3);
}

[Trait("Category", "Integration")]
[Collection(RabbitMQDashboardCollection.Name)]
public sealed class RabbitMQLiveDashboardTests(RabbitMQFixture fixture)
{
    [Fact]
    public Task Every_panel_and_recording_rule_returns_series_on_rabbitmq() =>
        LiveDashboards.VerifyAsync("RabbitMQBroker", ["knative-eventing-overview.json", "knative-eventing-transport.json"], "rabbitmq", 1,
            "--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);

    [Fact]
    public Task Every_panel_and_recording_rule_returns_series_on_rabbitmq_with_three_replicas() =>
        LiveDashboards.VerifyAsync("RabbitMQBroker", ["knative-eventing-overview.json", "knative-eventing-transport.json"], "rabbitmq", 3,
            "--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
}

internal static class LiveDashboards
{
    public static async Task VerifyAsync(string brokerClass, string[] dashboards, string? transportSystem, int replicas, params string[] args)
    {
        // A healthy system: valid events only, subscribers that answer. Panels of what never happens must show 0.
        // One exporter runs in the test's process; replicas are real processes (each its own meters), each running the game.
        string[] exporterArgs = ["--players", "6", "--rate", replicas == 1 ? "300" : "100", "--Game:AuditFailureRate", "0", .. args];
        await using var single = replicas == 1 ? await RunningExporter.StartAsync(exporterArgs) : null;
        await using var fleet = replicas == 1 ? null : await ExporterReplicas.StartAsync(replicas, exporterArgs);
        IReadOnlyList<string> targets = single is not null ? [new Uri(single.MetricsUrl).Authority] : fleet!.Targets;
        await using var prometheus = await PrometheusServer.StartAsync(targets, [RepositoryPaths.Combine("dashboards", "rules", "knative-eventing.rules.yml")]);
        var up = await Poll.UntilAsync(() => prometheus.QueryValuesAsync("up == 1"), u => u.Count == replicas, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        Assert.Equal(replicas, up.Count);

        var queries = new List<(string Source, string Query, bool Zero)>();
        foreach (var file in dashboards)
        {
            using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(RepositoryPaths.Combine("dashboards", file)));
            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                var title = panel.GetProperty("title").GetString()!;
                if (transportSystem is not null && IsForOtherSystem(title, transportSystem))
                {
                    continue;
                }

                foreach (var target2 in panel.GetProperty("targets").EnumerateArray())
                {
                    queries.Add(($"{file}: {title}", DashboardQueries.Substitute(target2.GetProperty("expr").GetString()!, brokerClass), ZeroWhenHealthy.Contains(title)));
                }
            }
        }

        queries.AddRange(RuleTests.Records().Select(record => ("recording rule", record, false)));

        // Rates need two scrapes, rules an evaluation, dead letters and retries a few hundred events: wait for each.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var missing = new List<string>();
        var notZero = new List<string>();
        var notFinite = new List<string>();
        foreach (var (source, query, zero) in queries)
        {
            // Prometheus scrapes every second; all queries share one deadline.
            // Until every series has a finite value: right after a Kafka rebalance a trigger can have no attempt in the
            // rate window, and its quantile or ratio is NaN until the flow reaches it again.
            var values = await Poll.UntilAsync(
                () => prometheus.QueryValuesAsync(query), v => v.Count > 0 && v.All(double.IsFinite), deadline - DateTime.UtcNow, TimeSpan.FromMilliseconds(500));

            if (values.Count == 0)
            {
                missing.Add($"{source}: {query}");
            }
            else if (zero && values.Any(v => v != 0))
            {
                notZero.Add($"{source}: {string.Join(", ", values)}");
            }

            // A panel that shows NaN or infinity (a ratio over nothing, a quantile of no observations) or a negative
            // count or rate tells a reader nothing true; only a derivative (backlog growth) may be negative.
            if (values.Any(v => !double.IsFinite(v) || (v < 0 && !query.Contains("deriv", StringComparison.Ordinal))))
            {
                notFinite.Add($"{source}: {query} = {string.Join(", ", values)}");
            }
        }

        Assert.True(missing.Count == 0, $"{missing.Count} of {queries.Count} queries returned no series (\"No data\"):\n{string.Join('\n', missing)}");
        Assert.True(notZero.Count == 0, $"panels of what does not happen on a healthy system are not 0:\n{string.Join('\n', notZero)}");
        Assert.True(notFinite.Count == 0, $"panels with values that are not finite and non-negative:\n{string.Join('\n', notFinite)}");
        Assert.True(queries.Count >= 20, $"only {queries.Count} queries were checked");
        Assert.Equal(transportSystem == "rabbitmq" ? ZeroWhenHealthy.Length : 4, queries.Count(q => q.Zero));
    }

    /// <summary>Panels of things that do not happen on a healthy system: they must show 0 (not "No data").</summary>
    private static readonly string[] ZeroWhenHealthy =
    [
        "Ingress error ratio", "Dead letters", "Invalid events", "Refused senders",
        "RabbitMQ: connection recoveries", "RabbitMQ: connection shutdowns", "RabbitMQ: blocked connections",
    ];

    private static bool IsForOtherSystem(string title, string system) =>
        (title.StartsWith("RabbitMQ:", StringComparison.Ordinal) && system != "rabbitmq")
        || (title.StartsWith("Kafka:", StringComparison.Ordinal) && system != "kafka");
}

[Trait("Category", "Integration")]
[Collection(KafkaDashboardCollection.Name)]
public sealed class KafkaLiveDashboardTests(KafkaFixture fixture)
{
    [Fact]
    public Task Every_panel_and_recording_rule_returns_series_on_kafka() =>
        LiveDashboards.VerifyAsync("Kafka", ["knative-eventing-overview.json", "knative-eventing-transport.json"], "kafka", 1,
            "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);

    [Fact]
    public Task Every_panel_and_recording_rule_returns_series_on_kafka_with_three_replicas() =>
        LiveDashboards.VerifyAsync("Kafka", ["knative-eventing-overview.json", "knative-eventing-transport.json"], "kafka", 3,
            "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
}
