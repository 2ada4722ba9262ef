using System.Text.RegularExpressions;

// The live tests start exporters and a Prometheus; the process-wide meters need them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>The Prometheus rules are valid, unit-tested with the real promtool, and use only catalogue series.</summary>
[Trait("Category", "Integration")]
public sealed partial class RuleTests
{
    private static readonly string RulesFile = RepositoryPaths.Combine("dashboards", "rules", "knative-eventing.rules.yml");

    [Fact]
    public async Task Promtool_check_rules_accepts_the_rules()
    {
        var result = await ExternalTool.Require("promtool", "prometheus").RunAsync(["check", "rules", RulesFile]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS: 21 rules found", result.Output);
    }

    [Fact]
    public async Task Promtool_unit_tests_of_every_alert_and_recording_rule_pass()
    {
        var tests = Directory.GetFiles(RepositoryPaths.Combine("dashboards", "tests"), "*.yml");
        Assert.NotEmpty(tests);

        var result = await ExternalTool.Require("promtool", "prometheus").RunAsync(["test", "rules", .. tests]);

        Assert.True(result.ExitCode == 0, result.Output);
        var testText = string.Join('\n', tests.Select(File.ReadAllText));
        foreach (var record in Records())
        {
            Assert.Contains($"expr: {record}", testText);
        }

        foreach (var alert in Alerts())
        {
            Assert.Contains($"alertname: {alert}\n        eval_time: ", testText);
            Assert.Matches(new Regex($@"alertname: {alert}\n\s+eval_time: \w+\n\s+exp_alerts: \[\]"), testText); // a case where it does not fire
            Assert.Matches(new Regex($@"alertname: {alert}\n\s+eval_time: \w+\n\s+exp_alerts:\n\s+- exp_labels"), testText); // and one where it fires
        }
    }

    [Fact]
    public void Every_series_a_rule_uses_is_in_the_catalogue()
    {
        var known = KnownSeries();
        var used = SeriesName().Matches(File.ReadAllText(RulesFile)).Select(m => m.Value).Distinct().ToList();

        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.True(known.Contains(name), $"{name} is not a series of the catalogue (docs/metrics.md)"));
    }

    [Fact]
    public void Every_alert_has_a_runbook_section()
    {
        var runbooks = MarkdownPage.Read("alerts.md");

        Assert.All(Alerts(), alert => Assert.Contains(alert, runbooks.Sections));
    }

    internal static HashSet<string> KnownSeries() =>
        KnativeEventingInstruments.All
            .SelectMany(i => i.Kind == InstrumentKind.Histogram
                ? new[] { i.PrometheusName + "_bucket", i.PrometheusName + "_sum", i.PrometheusName + "_count" }
                : new[] { i.PrometheusName })
            .ToHashSet();

    /// <summary>The recording rules of knative-eventing.rules.yml, by name.</summary>
    internal static IEnumerable<string> Records() => RecordLine().Matches(File.ReadAllText(RulesFile)).Select(m => m.Groups[1].Value);

    private static IEnumerable<string> Alerts() => AlertLine().Matches(File.ReadAllText(RulesFile)).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"\bkn_eventing_[a-z_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"- record: (\S+)")]
    private static partial Regex RecordLine();

    [GeneratedRegex(@"- alert: (\S+)")]
    private static partial Regex AlertLine();
}
