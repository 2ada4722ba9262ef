using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>
/// Stands for the upstream brokers on a free 127.0.0.1 port: serves, on <c>/metrics</c>, every
/// <c>input_series</c> of a promtool test file (the upstream-format fixtures of
/// <c>dashboards/tests/knative-eventing-compat.rules.test.yml</c>), replayed with one fixture step per
/// second of wall time and growing on after the fixture's last step, so counters keep rising and
/// <c>rate()</c> has data as long as the test runs. Scrape it with <c>honor_labels</c> to keep the
/// fixtures' own <c>job</c> and <c>instance</c>.
/// </summary>
internal sealed partial class UpstreamFixtureServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private UpstreamFixtureServer(WebApplication app, IReadOnlyList<FixtureSeries> series, string target)
    {
        _app = app;
        Series = series;
        Target = target;
    }

    /// <summary>Every series served, as written in the test file.</summary>
    public IReadOnlyList<FixtureSeries> Series { get; }

    /// <summary>The scrape target, host:port.</summary>
    public string Target { get; }

    /// <summary>Reads the input series of <paramref name="promtoolTestFile"/> and starts serving them.</summary>
    /// <exception cref="FormatException">A series uses a promtool value notation this replay does not know.</exception>
    public static async Task<UpstreamFixtureServer> StartAsync(string promtoolTestFile)
    {
        var series = Read(promtoolTestFile);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var started = DateTime.UtcNow;
        app.MapGet("/metrics", () =>
        {
            var step = Math.Floor((DateTime.UtcNow - started).TotalSeconds);
            var text = new StringBuilder();
            foreach (var s in series)
            {
                text.Append(s.Series).Append(' ').Append(s.ValueAt(step).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }

            return Results.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        return new UpstreamFixtureServer(app, series, $"127.0.0.1:{address.Port}");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The input series of every test group of a promtool test file, each once.</summary>
    internal static IReadOnlyList<FixtureSeries> Read(string promtoolTestFile)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(promtoolTestFile))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var series = new List<FixtureSeries>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var test in ((YamlSequenceNode)root["tests"]).Cast<YamlMappingNode>())
        {
            foreach (var input in ((YamlSequenceNode)test["input_series"]).Cast<YamlMappingNode>())
            {
                var name = ((YamlScalarNode)input["series"]).Value!;
                var values = ((YamlScalarNode)input["values"]).Value!;
                var match = Expanding().Match(values);
                if (!match.Success)
                {
                    throw new FormatException($"{promtoolTestFile}: series {name} has values '{values}'; the replay knows only 'a+bxn' and 'a-bxn'.");
                }

                if (!seen.Add(name))
                {
                    throw new FormatException($"{promtoolTestFile}: series {name} is in two test groups; a scrape cannot expose it twice.");
                }

                var start = double.Parse(match.Groups["start"].Value, CultureInfo.InvariantCulture);
                var increment = double.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture) * (match.Groups["sign"].Value == "-" ? -1 : 1);
                series.Add(new FixtureSeries(name, start, increment));
            }
        }

        return series;
    }

    [GeneratedRegex(@"^(?<start>-?[0-9.]+)(?<sign>[+-])(?<step>[0-9.]+)x[0-9]+$")]
    private static partial Regex Expanding();
}

/// <summary>One fixture series: its exposition text (name and labels) and its value at a step.</summary>
internal sealed record FixtureSeries(string Series, double Start, double Increment)
{
    /// <summary>The metric name.</summary>
    public string Name => Series.Split('{')[0];

    /// <summary>The value after <paramref name="step"/> steps.</summary>
    public double ValueAt(double step) => Start + (Increment * step);
}
