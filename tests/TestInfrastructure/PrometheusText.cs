namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>One sample of a Prometheus text exposition.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// The Prometheus text format as the tests read it: samples with labels (parsed by the live view's own parser,
/// so there is one parser of the format in the project), TYPE and HELP lines; it reads what our exporter serves,
/// so that tests assert numbers from a real scrape.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(List<PrometheusSample> samples, Dictionary<string, string> types, Dictionary<string, string> help)
    {
        Samples = samples;
        Types = types;
        Help = help;
    }

    /// <summary>Every sample, in order.</summary>
    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Metric family name → TYPE.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Metric family name → HELP text.</summary>
    public IReadOnlyDictionary<string, string> Help { get; }

    /// <summary>Parses an exposition.</summary>
    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var types = new Dictionary<string, string>();
        var help = new Dictionary<string, string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                types[parts[0]] = parts[1];
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                help[parts[0]] = parts.Length > 1 ? parts[1] : string.Empty;
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            // The exporter's own parser (src/Exporter/Live/ExpositionSample.cs, linked into this project), read strictly.
            if (!Knative.Eventing.Metrics.Exporter.Live.ExpositionSample.TryParseLine(line, out var sample))
            {
                throw new FormatException($"Not a Prometheus sample line: {line}");
            }

            samples.Add(new PrometheusSample(sample.Name, sample.Labels, sample.Value));
        }

        return new PrometheusText(samples, types, help);
    }

    /// <summary>The samples of one series name whose labels include every pair of <paramref name="labels"/>.</summary>
    public IEnumerable<PrometheusSample> Find(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    /// <summary>The sum of the matching samples; 0 when none match (see <see cref="Value"/> where the series must exist).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    /// <summary>
    /// The sum of the matching samples, which must exist: a zero check on a series that is gone (renamed, never
    /// exported) fails here instead of passing as 0.
    /// </summary>
    /// <exception cref="Xunit.Sdk.XunitException">No sample matches.</exception>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        var found = Find(name, labels).ToList();
        return found.Count > 0
            ? found.Sum(s => s.Value)
            : throw new Xunit.Sdk.XunitException($"no series {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} in the scrape");
    }
}
