using System.Globalization;
using System.Text;

namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>One sample of a Prometheus text exposition: name, labels, value.</summary>
internal sealed record ExpositionSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : string.Empty;

    /// <summary>
    /// Reads the samples of the exporter's own <c>/metrics</c> text (format 0.0.4); comments and unparsable
    /// lines are skipped. Written here because the live view must show exactly what a scrape shows, and no
    /// parser of the format ships with the OpenTelemetry exporter. The tests read scrapes with this same parser
    /// (tests/TestInfrastructure links this file), strictly: there an unparsable line is an error.
    /// </summary>
    public static List<ExpositionSample> Parse(string text)
    {
        var samples = new List<ExpositionSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length > 0 && line[0] != '#' && TryParseLine(line, out var sample))
            {
                samples.Add(sample);
            }
        }

        return samples;
    }

    /// <summary>Reads one sample line (<c>name{labels} value [timestamp]</c>).</summary>
    public static bool TryParseLine(string line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ExpositionSample? sample)
    {
        sample = null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        string name;
        int rest;
        if (brace >= 0 && (space < 0 || brace < space))
        {
            name = line[..brace];
            rest = ReadLabels(line, brace + 1, labels);
            if (rest < 0)
            {
                return false;
            }
        }
        else if (space > 0)
        {
            name = line[..space];
            rest = space;
        }
        else
        {
            return false;
        }

        var fields = line[rest..].Trim().Split(' ');
        if (double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || TrySpecial(fields[0], out value))
        {
            sample = new ExpositionSample(name, labels, value);
            return true;
        }

        return false;
    }

    private static int ReadLabels(string line, int i, Dictionary<string, string> labels)
    {
        while (i < line.Length && line[i] != '}')
        {
            var equals = line.IndexOf('=', i);
            if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
            {
                return -1;
            }

            var key = line[i..equals].Trim(' ', ',');
            var value = new StringBuilder();
            var j = equals + 2;
            for (; j < line.Length && line[j] != '"'; j++)
            {
                if (line[j] == '\\' && j + 1 < line.Length)
                {
                    j++;
                    value.Append(line[j] == 'n' ? '\n' : line[j]);
                }
                else
                {
                    value.Append(line[j]);
                }
            }

            labels[key] = value.ToString();
            i = j + 1;
            if (i < line.Length && line[i] == ',')
            {
                i++;
            }
        }

        return i < line.Length ? i + 1 : -1;
    }

    private static bool TrySpecial(string text, out double value)
    {
        value = text switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => 0 };
        return text is "+Inf" or "-Inf" or "NaN";
    }
}
