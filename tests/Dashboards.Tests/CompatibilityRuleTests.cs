using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>
/// The compatibility rules (upstream brokers' series → ours) are valid, produce only catalogue series
/// marked with their broker class and upstream, are each exercised by promtool on upstream-format
/// fixtures, and every PromQL expression of docs/migration.md is one of those tested expressions.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class CompatibilityRuleTests
{
    internal static readonly string RulesFile = RepositoryPaths.Combine("dashboards", "rules", "knative-eventing-compat.rules.yml");
    internal static readonly string TestFile = RepositoryPaths.Combine("dashboards", "tests", "knative-eventing-compat.rules.test.yml");

    [Fact]
    public async Task Promtool_check_rules_accepts_the_compatibility_rules()
    {
        var result = await ExternalTool.Require("promtool", "prometheus").RunAsync(["check", "rules", RulesFile]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"SUCCESS: {Rules().Count} rules found", result.Output);
    }

    [Fact]
    public void Every_compatibility_rule_records_a_catalogue_series_with_its_broker_class_and_upstream()
    {
        var known = RuleTests.KnownSeries();
        var rules = Rules();

        Assert.Equal(52, rules.Count);
        Assert.All(rules, rule =>
        {
            Assert.True(known.Contains(rule.Record), $"{rule.Record} is not a series of the catalogue");
            Assert.Contains(rule.BrokerClass, new[] { "MTChannelBasedBroker", "RabbitMQBroker", "Kafka" });
            Assert.Contains(rule.Upstream, Upstreams);
        });
        Assert.Equal(Upstreams.Order(), rules.Select(r => r.Upstream).Distinct().Order());
    }

    [Fact]
    public void Every_compatibility_rule_is_checked_by_a_promtool_test_on_upstream_fixtures()
    {
        var tested = TestedExpressions().Select(t => t.Expr).ToList();

        Assert.All(Rules(), rule => Assert.True(
            tested.Any(expr => expr.Contains(rule.Record, StringComparison.Ordinal) && expr.Contains($"kn_upstream=\"{rule.Upstream}\"", StringComparison.Ordinal)),
            $"no promtool test reads {rule.Record} from {rule.Upstream}"));
    }

    [Fact]
    public void Every_fixture_group_cites_the_upstream_source_it_follows()
    {
        var text = File.ReadAllText(TestFile);
        var groups = text.Split("\n  - interval:")[1..];
        var comments = text.Split("\n  - interval:")[..^1].Select(before => before[before.LastIndexOf("\n\n", StringComparison.Ordinal)..]).ToList();

        Assert.Equal(Upstreams.Length, groups.Length);
        Assert.All(comments, comment => Assert.Matches(new Regex(@"\b[0-9a-f]{8}\b"), comment));
        Assert.All(comments, comment => Assert.Matches(new Regex(@"\.(go|java):\d+"), comment));
    }

    [Fact]
    public async Task Promtool_unit_tests_of_the_compatibility_rules_pass()
    {
        var result = await ExternalTool.Require("promtool", "prometheus").RunAsync(["test", "rules", TestFile]);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void Every_query_of_the_migration_guide_is_tested_on_the_fixtures()
    {
        var queries = MigrationGuideQueries();
        var tested = TestedExpressions().Where(t => t.Samples > 0).Select(t => t.Expr).ToHashSet(StringComparer.Ordinal);

        Assert.True(queries.Count >= 40, $"only {queries.Count} queries found in docs/migration.md");
        Assert.All(queries, query => Assert.True(tested.Contains(query), $"docs/migration.md query not tested with an expected result in {TestFile}:\n{query}"));
    }

    /// <summary>Every code span of docs/migration.md with a parenthesis: PromQL (names and labels have none).</summary>
    internal static IReadOnlyList<string> MigrationGuideQueries() =>
        [.. CodeSpan().Matches(File.ReadAllText(RepositoryPaths.Combine("docs", "migration.md")))
            .Select(m => m.Groups[1].Value)
            .Where(span => span.Contains('(', StringComparison.Ordinal))
            .Distinct()];

    private static readonly string[] Upstreams =
        ["mt-broker/otel", "mt-broker/opencensus", "rabbitmq/otel", "rabbitmq/opencensus", "kafka/otel-names", "kafka/pre-otel"];

    private static List<(string Record, string BrokerClass, string Upstream)> Rules()
    {
        var root = Load(RulesFile);
        return [.. ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            .Select(rule =>
            {
                var labels = (YamlMappingNode)rule["labels"];
                return (Scalar(rule, "record"), Scalar(labels, "otel_scope_kn_broker_class"), Scalar(labels, "kn_upstream"));
            })];
    }

    private static List<(string Expr, int Samples)> TestedExpressions()
    {
        var root = Load(TestFile);
        return [.. ((YamlSequenceNode)root["tests"]).Cast<YamlMappingNode>()
            .SelectMany(test => ((YamlSequenceNode)test["promql_expr_test"]).Cast<YamlMappingNode>())
            .Select(t => (Scalar(t, "expr"), ((YamlSequenceNode)t["exp_samples"]).Children.Count))];
    }

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(file);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    [GeneratedRegex(@"`([^`\n]+)`")]
    private static partial Regex CodeSpan();
}
