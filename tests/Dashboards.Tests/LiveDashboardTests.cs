using System.Text.Json;
using System.Text.RegularExpressions;

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>
/// A real Prometheus scrapes the exporter running the game; every panel query (variables substituted)
/// and every recording rule returns at least one series: on the embedded backend and on RabbitMQ and Kafka.
/// </summary>
public sealed partial class LiveDashboardTests
{
    [Fact]
    public Task Every_overview_panel_and_recording_rule_returns_series_on_the_embedded_backend() =>
        LiveDashboards.VerifyAsync("Embedded", ["knative-eventing-overview.json"], transportSystem: null);
}

[Collection(RabbitMQDashboardCollection.Name)]
public sealed class RabbitMQLiveDashboardTests(RabbitMQFixture fixture)
{
    [Fact]
    public Task Every_panel_and_recording_rule_returns_series_on_rabbitmq() =>
        LiveDashboards.VerifyAsync("RabbitMQBroker", ["knative-eventing-overview.json", "knative-eventing-transport.json"], "rabbitmq",
            "--broker", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
}

[CollectionDefinition(Name)]
public sealed class RabbitMQDashboardCollection : ICollectionFixture<RabbitMQFixture>
{
    public const string Name = "RabbitMQ dashboards";
}

internal static partial class LiveDashboards
{
    public static async Task VerifyAsync(string brokerClass, string[] dashboards, string? transportSystem, params string[] args)
    {
        await using var exporter = await RunningExporter.StartAsync(["--players", "6", "--rate", "300", .. args]);
        var target = new Uri(exporter.MetricsUrl).Authority;

        // A producer's mistakes, so the error panels have something to show: an invalid event (400) now and then.
        using var producerMistakes = new CancellationTokenSource();
        var mistakes = Task.Run(async () =>
        {
            while (!producerMistakes.IsCancellationRequested)
            {
                using var bad = new StringContent("{\"specversion\":\"1.0\"}", System.Text.Encoding.UTF8, "application/cloudevents+json");
                using var _ = await exporter.Http.PostAsync($"{exporter.IngressUrl}/demo/default", bad);
                await Task.Delay(500);
            }
        });
        await using var prometheus = await PrometheusServer.StartAsync(target, [RepositoryPaths.Combine("dashboards", "rules", "knative-eventing.rules.yml")]);

        var queries = new List<(string Source, string Query)>();
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
                    queries.Add(($"{file}: {title}", Substitute(target2.GetProperty("expr").GetString()!, brokerClass)));
                }
            }
        }

        foreach (Match record in RecordLine().Matches(await File.ReadAllTextAsync(RepositoryPaths.Combine("dashboards", "rules", "knative-eventing.rules.yml"))))
        {
            queries.Add(($"recording rule", record.Groups[1].Value));
        }

        // Rates need two scrapes, rules an evaluation, dead letters and retries a few hundred events: wait for each.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var missing = new List<string>();
        foreach (var (source, query) in queries)
        {
            // Prometheus scrapes every second; all queries share one deadline.
            var count = await Poll.UntilAsync(() => prometheus.CountSeriesAsync(query), c => c > 0, deadline - DateTime.UtcNow, TimeSpan.FromMilliseconds(500));

            if (count == 0)
            {
                missing.Add($"{source}: {query}");
            }
        }

        await producerMistakes.CancelAsync();
        await mistakes;
        Assert.True(missing.Count == 0, $"{missing.Count} of {queries.Count} queries returned no series:\n{string.Join('\n', missing)}");
        Assert.True(queries.Count >= 20, $"only {queries.Count} queries were checked");
    }

    private static bool IsForOtherSystem(string title, string system) =>
        (title.StartsWith("RabbitMQ:", StringComparison.Ordinal) && system != "rabbitmq")
        || (title.StartsWith("Kafka:", StringComparison.Ordinal) && system != "kafka")
        || title is "RabbitMQ: connection recoveries" or "RabbitMQ: connection shutdowns" or "RabbitMQ: blocked connections"; // these only move when a connection is lost or blocked (covered by the adapter's restart test)

    private static string Substitute(string expr, string brokerClass) => expr
        .Replace("$__rate_interval", "30s", StringComparison.Ordinal)
        .Replace("$namespace", "demo", StringComparison.Ordinal)
        .Replace("$broker_class", brokerClass, StringComparison.Ordinal)
        .Replace("$broker", "default", StringComparison.Ordinal)
        .Replace("$trigger", ".*", StringComparison.Ordinal)
        .Replace("$system", ".*", StringComparison.Ordinal);

    [GeneratedRegex(@"- record: (\S+)")]
    private static partial Regex RecordLine();
}

[Collection(KafkaDashboardCollection.Name)]
public sealed class KafkaLiveDashboardTests(KafkaFixture fixture)
{
    [Fact]
    public Task Every_panel_and_recording_rule_returns_series_on_kafka() =>
        LiveDashboards.VerifyAsync("Kafka", ["knative-eventing-overview.json", "knative-eventing-transport.json"], "kafka",
            "--broker", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
}

[CollectionDefinition(Name)]
public sealed class KafkaDashboardCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "Kafka dashboards";
}
