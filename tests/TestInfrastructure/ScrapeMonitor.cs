using System.Diagnostics;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// Scrapes a <c>/metrics</c> URL on a fixed interval while something else runs (as Prometheus would, only
/// faster), recording each scrape's time, status and series count.
/// </summary>
public sealed class ScrapeMonitor : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<double> _durationsMs = [];
    private readonly List<int> _seriesCounts = [];
    private readonly Task _loop;
    private int _failures;

    private ScrapeMonitor(string url, TimeSpan interval) => _loop = RunAsync(url, interval);

    /// <summary>Scrapes that did not answer 200 in time.</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Successful scrapes' durations in ms.</summary>
    public IReadOnlyList<double> DurationsMs => _durationsMs;

    /// <summary>Series (sample lines) in each successful scrape.</summary>
    public IReadOnlyList<int> SeriesCounts => _seriesCounts;

    /// <summary>Starts scraping <paramref name="url"/> every <paramref name="interval"/>.</summary>
    public static ScrapeMonitor Start(string url, TimeSpan interval) => new(url, interval);

    /// <summary>Stops scraping and waits for the scrape in progress.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{_durationsMs.Count} scrapes, {Failures} failed; p50 {LatencyPercentiles.Of(_durationsMs, 50):F1} ms, p99 {LatencyPercentiles.Of(_durationsMs, 99):F1} ms, max {LatencyPercentiles.Of(_durationsMs, 100):F1} ms; series {(_seriesCounts.Count == 0 ? 0 : _seriesCounts.Min())}..{(_seriesCounts.Count == 0 ? 0 : _seriesCounts.Max())}";

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RunAsync(string url, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    var text = await _http.GetStringAsync(url, _stop.Token);
                    _durationsMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    _seriesCounts.Add(PrometheusText.Parse(text).Samples.Count);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref _failures);
                }
                catch (TaskCanceledException) when (!_stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failures); // the scrape timed out
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }
}
