using System.Text.Json;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A real Prometheus (Debian <c>prometheus</c> package) on a free 127.0.0.1 port, scraping one target
/// every second and evaluating rule files, queried over its HTTP API. Disposing stops it and removes
/// its data.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(ChildProcess process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The server's base URL.</summary>
    public Uri Url { get; }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) as job <c>knative-eventing-metrics</c>.</summary>
    public static Task<PrometheusServer> StartAsync(string target, IEnumerable<string> ruleFiles) => StartAsync([target], ruleFiles);

    /// <summary>
    /// Starts Prometheus scraping every one of <paramref name="targets"/> (host:port; replicas) as job
    /// <c>knative-eventing-metrics</c>; with <paramref name="honorLabels"/> the targets' own <c>job</c> and
    /// <c>instance</c> labels are kept (a fixture server that stands for several upstream processes).
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyList<string> targets, IEnumerable<string> ruleFiles, bool honorLabels = false)
    {
        var prometheus = ExternalTool.Require("prometheus", "prometheus");
        var directory = Path.Combine(Path.GetTempPath(), $"kem-prometheus-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var rules = string.Join('\n', ruleFiles.Select(f => $"  - '{f}'"));
        await File.WriteAllTextAsync(Path.Combine(directory, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
            {rules}
            scrape_configs:
              - job_name: knative-eventing-metrics
                honor_labels: {(honorLabels ? "true" : "false")}
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        var port = FreePorts.Take(1)[0];
        var process = ChildProcess.Start(prometheus.Path,
        [
            $"--config.file={Path.Combine(directory, "prometheus.yml")}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--enable-feature=exemplar-storage",
        ]);
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {process.ExitCode}:\n{process.Output}");
            }

            try
            {
                using var ready = await server._http.GetAsync("-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"prometheus was not ready within 60 s:\n{process.Output}");
            }

            await Task.Delay(200); // polling a starting server with a deadline
        }
    }

    /// <summary>Runs an instant query; returns how many series it gave (throws with Prometheus's error for a bad query).</summary>
    public async Task<int> CountSeriesAsync(string query) => (await QueryValuesAsync(query)).Count;

    /// <summary>Runs an instant query; returns the value of every series it gave (throws with Prometheus's error for a bad query).</summary>
    public async Task<IReadOnlyList<double>> QueryValuesAsync(string query) => [.. (await QueryAsync(query)).Select(s => s.Value)];

    /// <summary>Runs an instant query; returns every series it gave with its labels (throws with Prometheus's error for a bad query).</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string query)
    {
        using var response = await _http.GetAsync($"api/v1/query?query={Uri.EscapeDataString(query)}");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus rejected '{query}': {root.GetProperty("error").GetString()}");
        }

        return root.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(series => (
                (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? string.Empty),
                double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>
    /// The exemplars Prometheus stored for <paramref name="query"/> over the last 10 minutes (<c>/api/v1/query_exemplars</c>;
    /// it runs with <c>--enable-feature=exemplar-storage</c>): each with its series' labels, its own labels
    /// (<c>trace_id</c>, <c>span_id</c>) and value.
    /// </summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Series, IReadOnlyDictionary<string, string> Labels, double Value)>>
        QueryExemplarsAsync(string query)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var response = await _http.GetAsync($"api/v1/query_exemplars?query={Uri.EscapeDataString(query)}&start={now - 600}&end={now + 60}");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus rejected exemplars of '{query}': {root.GetProperty("error").GetString()}");
        }

        static IReadOnlyDictionary<string, string> Labels(JsonElement labels) =>
            labels.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? string.Empty);
        return [.. root.GetProperty("data").EnumerateArray().SelectMany(series => series.GetProperty("exemplars").EnumerateArray().Select(e => (
            Labels(series.GetProperty("seriesLabels")),
            Labels(e.GetProperty("labels")),
            double.Parse(e.GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture))))];
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
