using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>docs/metrics.md documents exactly the catalogue in code.</summary>
[Trait("Category", "Unit")]
public sealed class MetricsDocumentationTests
{
    private static readonly string[] Columns =
        ["OTel name", "Prometheus series", "Type", "Unit", "Attributes", "Opt-in attributes", "Meaning", "Emitted by"];

    [Fact]
    public void The_catalogue_page_lists_every_instrument_with_its_name_type_unit_attributes_and_meaning()
    {
        var rows = ReadCatalogueTable();

        Assert.Equal(KnativeEventingInstruments.All.Select(i => i.Name), rows.Select(r => r["OTel name"]));
        foreach (var (instrument, row) in KnativeEventingInstruments.All.Zip(rows))
        {
            Assert.Equal(instrument.PrometheusName, row["Prometheus series"]);
            Assert.Equal(KindText(instrument.Kind), row["Type"]);
            Assert.Equal(instrument.Unit, row["Unit"]);
            Assert.Equal(string.Join(", ", instrument.Attributes), row["Attributes"]);
            Assert.Equal(instrument.OptInAttributes.Count == 0 ? "none" : string.Join(", ", instrument.OptInAttributes), row["Opt-in attributes"]);
            Assert.Equal(instrument.Description, row["Meaning"]);
            Assert.False(string.IsNullOrWhiteSpace(row["Emitted by"]));
        }
    }

    [Fact]
    public void The_catalogue_page_lists_the_bucket_boundaries_and_every_documented_error_type()
    {
        var page = File.ReadAllText(RepositoryPaths.Combine("docs", "metrics.md"));

        Assert.Contains(string.Join(", ", HistogramBuckets.Seconds.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture))), page);
        foreach (var errorType in ErrorTypes.Documented)
        {
            Assert.Contains($"`{errorType}`", page);
        }

        foreach (var reason in Enum.GetValues<InvalidEventReason>())
        {
            Assert.Contains($"`{AttributeValues.Of(reason)}`", page);
        }

        foreach (var outcome in Enum.GetValues<DeliveryOutcome>())
        {
            Assert.Contains($"`{AttributeValues.Of(outcome)}`", page);
        }
    }

    [Fact]
    public void Every_error_type_the_sources_record_is_a_catalogue_constant()
    {
        // A literal passed where an error.type goes (e.g. new PublishRejectedException("queue_full", ...))
        // would put a value on the wire that neither ErrorTypes nor docs/metrics.md lists.
        var literal = new System.Text.RegularExpressions.Regex(@"((PublishRejected|RabbitMQPublish|KafkaProduce)Exception\(|\.Fail\(|errorType:\s*)""[^""]*""");
        var offenders = Directory.EnumerateFiles(RepositoryPaths.Combine("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, n) => (File: f, Line: n + 1, Text: line)))
            .Where(l => literal.IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(RepositoryPaths.Combine("src"), l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(offenders.Count == 0, "error.type literals outside ErrorTypes:\n" + string.Join("\n", offenders));
    }

    private static string KindText(InstrumentKind kind) => kind switch
    {
        InstrumentKind.Histogram => "Histogram<double>",
        InstrumentKind.Counter => "Counter<long>",
        InstrumentKind.UpDownCounter => "UpDownCounter<long>",
        InstrumentKind.ObservableGauge => "ObservableGauge<long>",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static List<Dictionary<string, string>> ReadCatalogueTable()
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine("docs", "metrics.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| OTel name |", StringComparison.Ordinal));
        Assert.True(header >= 0, "docs/metrics.md has no catalogue table starting with '| OTel name |'.");
        Assert.Equal(Columns, SplitRow(lines[header]));

        var rows = new List<Dictionary<string, string>>();
        for (var i = header + 2; i < lines.Length && lines[i].StartsWith('|'); i++)
        {
            var cells = SplitRow(lines[i]);
            Assert.Equal(Columns.Length, cells.Length);
            rows.Add(Columns.Zip(cells).ToDictionary(p => p.First, p => p.Second.Replace("`", string.Empty, StringComparison.Ordinal)));
        }

        return rows;
    }

    private static string[] SplitRow(string line) =>
        line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
