namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>
/// A real Prometheus scrapes only upstream-format series (the compatibility fixtures, replayed with
/// growing counters): with the compatibility rules, every panel of both dashboards and every recording
/// rule returns data except those for dimensions upstream brokers do not have, named here; without
/// them, no panel and no rule shows anything, although the Go brokers' <c>kn_eventing_dispatch_duration_seconds</c>
/// is there: our queries do not absorb foreign series.
/// </summary>
[Trait("Category", "Integration")]
public sealed class UpstreamLiveDashboardTests
{
    /// <summary>Panels and rules that read what no upstream broker records (outcome, backlog, consumer state, our transport instruments).</summary>
    private static readonly string[] NoUpstreamEquivalent =
    [
        "knative-eventing-overview.json: Deliveries by outcome",
        "knative-eventing-overview.json: Dispatch success ratio",
        "knative-eventing-overview.json: Retries",
        "knative-eventing-overview.json: Dead letters",
        "knative-eventing-overview.json: Backlog",
        "knative-eventing-overview.json: Backlog growth",
        "knative-eventing-overview.json: Trigger consumers by state",
        "knative-eventing-transport.json: Sent messages",
        "knative-eventing-transport.json: Publish / produce latency p99",
        "knative-eventing-transport.json: Consumed messages",
        "knative-eventing-transport.json: Consumer processing p99",
        "knative-eventing-transport.json: RabbitMQ: connection recoveries",
        "knative-eventing-transport.json: RabbitMQ: connection shutdowns",
        "knative-eventing-transport.json: RabbitMQ: blocked connections",
        "knative-eventing-transport.json: Kafka: broker round-trip time",
        "knative-eventing-transport.json: Kafka: outbound queue",
        "knative-eventing-transport.json: Kafka: consumer lag",
        "recording rule: kn_trigger:deliveries:rate5m",
        "recording rule: kn_trigger:attempts_per_event:rate5m",
        "recording rule: kn_trigger:retries:rate5m",
        "recording rule: kn_trigger:success_ratio:rate5m",
        "recording rule: kn_trigger:dead_letters:rate5m",
        "recording rule: kn_trigger:backlog:events",
        "recording rule: kn_trigger:backlog_growth:deriv10m",
    ];

    [Fact]
    public async Task Both_dashboards_show_upstream_brokers_through_the_compatibility_rules_and_never_absorb_their_raw_series()
    {
        var ourRules = RepositoryPaths.Combine("dashboards", "rules", "knative-eventing.rules.yml");
        await using var upstream = await UpstreamFixtureServer.StartAsync(CompatibilityRuleTests.TestFile);
        await using var bridged = await PrometheusServer.StartAsync([upstream.Target], [ourRules, CompatibilityRuleTests.RulesFile], honorLabels: true);
        await using var plain = await PrometheusServer.StartAsync([upstream.Target], [ourRules], honorLabels: true);

        // Every dashboard query as Grafana sends it with "All" broker classes, and every recording rule.
        var queries = new List<(string Source, string Query)>();
        foreach (var file in new[] { "knative-eventing-overview.json", "knative-eventing-transport.json" })
        {
            foreach (var (title, expressions) in DashboardQueries.Panels(file))
            {
                queries.AddRange(expressions.Select(e => ($"{file}: {title}", DashboardQueries.Substitute(e, ".+"))));
            }
        }

        queries.AddRange(RuleTests.Records().Select(record => ($"recording rule: {record}", record)));

        Assert.All(NoUpstreamEquivalent, source => Assert.Contains(source, queries.Select(q => q.Source)));

        // What upstream has must show: rates need two scrapes, recording rules an evaluation (30 s group interval).
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var missing = new List<string>();
        foreach (var (source, query) in queries.Where(q => !NoUpstreamEquivalent.Contains(q.Source)))
        {
            var values = await Poll.UntilAsync(() => bridged.QueryValuesAsync(query), v => v.Count > 0, deadline - DateTime.UtcNow, TimeSpan.FromMilliseconds(500));
            if (values.Count == 0)
            {
                missing.Add($"{source}: {query}");
            }
        }

        Assert.True(missing.Count == 0, $"{missing.Count} queries returned no series from upstream brokers through the compatibility rules:\n{string.Join('\n', missing)}");

        // Everything upstream has is shown now; what it does not have stays empty.
        var unexpected = new List<string>();
        foreach (var (source, query) in queries.Where(q => NoUpstreamEquivalent.Contains(q.Source)))
        {
            if ((await bridged.QueryValuesAsync(query)).Count > 0)
            {
                unexpected.Add(source);
            }
        }

        Assert.True(unexpected.Count == 0, $"panels named as having no upstream equivalent show data (update the list and docs/migration.md):\n{string.Join('\n', unexpected)}");

        // The same raw series without the compatibility rules: the Go brokers' same-named histogram is
        // scraped and rate() has points, yet no panel and no rule shows anything.
        var raw = await Poll.UntilAsync(() => plain.QueryValuesAsync("rate(kn_eventing_dispatch_duration_seconds_count[30s])"), v => v.Count > 0, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        Assert.Equal(6, raw.Count); // MT broker ingress, filter (202 and 500) and channel fanout; eventing-rabbitmq ingress and dispatcher
        var absorbed = new List<string>();
        foreach (var (source, query) in queries)
        {
            if ((await plain.QueryValuesAsync(query)).Count > 0)
            {
                absorbed.Add($"{source}: {query}");
            }
        }

        Assert.True(absorbed.Count == 0, $"queries show upstream series that no compatibility rule bridged:\n{string.Join('\n', absorbed)}");
    }
}
