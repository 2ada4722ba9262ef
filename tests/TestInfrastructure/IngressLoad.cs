using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Polly;
using Polly.Retry;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// An open-loop load generator for a broker ingress: requests are due at a fixed rate whether or not
/// earlier ones finished (at most <see cref="MaxInFlight"/> at a time), and each request's latency is
/// measured from when it was due, so a stalled server shows in the percentiles instead of being hidden by
/// a slower send rate. 503 answers (backpressure, backend outage) are retried with Polly, like a Knative
/// producer does; every other answer is final.
/// </summary>
public sealed class IngressLoad
{
    /// <summary>Requests allowed in flight at once.</summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>How long one request keeps retrying 503 answers before it counts as failed.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Sends <paramref name="rate"/> requests per second for <paramref name="duration"/> (request number n is
    /// built by <paramref name="request"/>, once per attempt), then waits for the last answers.
    /// </summary>
    public Task<LoadReport> RunAsync(HttpClient http, int rate, TimeSpan duration, Func<long, HttpRequestMessage> request, CancellationToken cancellationToken = default) =>
        RunCoreAsync(http, (long)(rate * duration.TotalSeconds), rate, request, cancellationToken);

    /// <summary>
    /// Sends <paramref name="count"/> requests as fast as <see cref="MaxInFlight"/> allows (closed loop: latency
    /// is measured from each request's own start), then waits for the last answers.
    /// </summary>
    public Task<LoadReport> RunAsync(HttpClient http, long count, Func<long, HttpRequestMessage> request, CancellationToken cancellationToken = default) =>
        RunCoreAsync(http, count, 0, request, cancellationToken);

    private async Task<LoadReport> RunCoreAsync(HttpClient http, long total, int rate, Func<long, HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        var retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .HandleResult(r => r.StatusCode == HttpStatusCode.ServiceUnavailable)
                    .Handle<HttpRequestException>(),
                MaxRetryAttempts = int.MaxValue,
                Delay = TimeSpan.FromMilliseconds(50),
                BackoffType = DelayBackoffType.Constant,
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(RetryBudget)
            .Build();

        var latencies = new double[total];
        var statuses = new ConcurrentDictionary<int, long>();
        var attempts = new ConcurrentDictionary<int, long>();
        long retries = 0, failures = 0;
        using var slots = new SemaphoreSlim(MaxInFlight);
        var inFlight = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        for (long n = 0; n < total; n++)
        {
            if (rate > 0)
            {
                var due = start + (long)(n * (double)Stopwatch.Frequency / rate);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken); // pacing the open-loop schedule, not synchronisation
                }

                await slots.WaitAsync(cancellationToken);
                inFlight.Add(SendAsync(n, due));
            }
            else
            {
                await slots.WaitAsync(cancellationToken);
                inFlight.Add(SendAsync(n, Stopwatch.GetTimestamp()));
            }
        }

        await Task.WhenAll(inFlight);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new LoadReport(total, elapsed, latencies, statuses.ToDictionary(), attempts.ToDictionary(), retries, failures);

        async Task SendAsync(long n, long due)
        {
            try
            {
                var tries = 0;
                using var response = await retry.ExecuteAsync(
                    async token =>
                    {
                        if (tries++ > 0)
                        {
                            Interlocked.Increment(ref retries);
                        }

                        using var message = request(n);
                        try
                        {
                            var answer = await http.SendAsync(message, token);
                            attempts.AddOrUpdate((int)answer.StatusCode, 1, (_, c) => c + 1);
                            return answer;
                        }
                        catch (HttpRequestException)
                        {
                            attempts.AddOrUpdate(0, 1, (_, c) => c + 1);
                            throw;
                        }
                    },
                    cancellationToken);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, c) => c + 1);
                latencies[n] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
            }
            catch (Exception ex) when (ex is HttpRequestException or Polly.Timeout.TimeoutRejectedException or TaskCanceledException)
            {
                Interlocked.Increment(ref failures);
                latencies[n] = double.NaN;
            }
            finally
            {
                slots.Release();
            }
        }
    }
}

/// <summary>
/// What a load run did: final answers by status, every attempt's answer by status (0: no answer, the
/// connection failed), latency percentiles (ms, from when each request was due), retries.
/// </summary>
public sealed record LoadReport(long Requests, TimeSpan Elapsed, double[] LatenciesMs, IReadOnlyDictionary<int, long> Statuses, IReadOnlyDictionary<int, long> Attempts, long Retries, long Failures)
{
    /// <summary>Requests answered with <paramref name="status"/> (after retries).</summary>
    public long Answered(int status) => Statuses.GetValueOrDefault(status);

    /// <summary>Attempts answered with <paramref name="status"/>, retried ones included (0: no answer).</summary>
    public long Attempted(int status) => Attempts.GetValueOrDefault(status);

    /// <summary>Accepted requests per second over the whole run.</summary>
    public double AcceptedPerSecond => Answered(202) / Elapsed.TotalSeconds;

    /// <summary>The <paramref name="percentile"/> (0–100) of the answered requests' latencies in ms.</summary>
    public double Percentile(double percentile) => LatencyPercentiles.Of(LatenciesMs.Where(l => !double.IsNaN(l)), percentile);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Requests} requests in {Elapsed.TotalSeconds:F1} s: {string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Value}×{s.Key}"))}, {Retries} retries, {Failures} failed; " +
        $"{AcceptedPerSecond:F0} accepted/s; latency p50 {Percentile(50):F1} ms, p99 {Percentile(99):F1} ms, max {Percentile(100):F1} ms";
}

/// <summary>Nearest-rank percentiles.</summary>
public static class LatencyPercentiles
{
    /// <summary>The nearest-rank <paramref name="percentile"/> (0–100) of <paramref name="values"/>; NaN when empty.</summary>
    public static double Of(IEnumerable<double> values, double percentile)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
