using System.Diagnostics;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// One step of offered load, open loop: operation n is due at <c>n / rate</c> whether or not earlier ones
/// finished, at most <see cref="CapacitySettings.Concurrency"/> run at a time (the rest wait, as requests wait
/// for one of wrk's connections), and each one's latency is measured from when it was due, so a server that
/// falls behind shows in the percentiles instead of slowing the sender down (no coordinated omission).
/// A step stops early when one operation waited longer than <see cref="CapacitySettings.AbortAfter"/>:
/// the rate is past the knee, and running on would only grow the queue.
/// </summary>
internal static class OpenLoopStep
{
    /// <summary>Offers <paramref name="rate"/> operations per second for <paramref name="duration"/>.</summary>
    public static async Task<StepResult> RunAsync(ICapacityTarget target, double rate, TimeSpan duration, CapacitySettings settings)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var latencies = new double[total];
        long failed = 0, completed = 0, answerTicks = 0, firstSequence = target.NextSequence(total);
        string? firstError = null;
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(CapacityCommand.Stopping.Token);
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var running = new List<Task>((int)Math.Min(total, 1_000_000));
        var cpuStart = CpuTime.OfProcessMs(target.ProcessId);
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        for (; sent < total && !abort.IsCancellationRequested; sent++)
        {
            var due = start + (long)(sent * (double)Stopwatch.Frequency / rate);
            var ahead = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (ahead > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(ahead); // pacing the schedule
            }

            running.Add(OneAsync(sent, due));
        }

        await Task.WhenAll(running);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var cpuMs = CpuTime.OfProcessMs(target.ProcessId) - cpuStart;
        var answered = latencies.AsSpan(0, (int)sent).ToArray().Where(l => !double.IsNaN(l) && l > 0).ToArray();
        Array.Sort(answered);
        return new StepResult(
            rate, duration, sent, completed, failed, firstError,
            Percentile(answered, 50), Percentile(answered, 99), answered.Length == 0 ? double.NaN : answered[^1],
            abort.IsCancellationRequested, elapsed)
        {
            TargetCpuUsPerEvent = target.ProcessId > 0 && completed > 0 ? cpuMs * 1000 / completed : double.NaN,
            MeanAnswerMs = completed + failed == 0 ? double.NaN : answerTicks * 1000.0 / Stopwatch.Frequency / (completed + failed),
        };

        async Task OneAsync(long n, long due)
        {
            try
            {
                await slots.WaitAsync(abort.Token);
            }
            catch (OperationCanceledException)
            {
                latencies[n] = double.NaN;
                return;
            }

            try
            {
                var sentAt = Stopwatch.GetTimestamp();
                var error = await target.SendAsync(firstSequence + n, abort.Token);
                Interlocked.Add(ref answerTicks, Stopwatch.GetTimestamp() - sentAt);
                var latency = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                latencies[n] = latency;
                if (error is null)
                {
                    Interlocked.Increment(ref completed);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, error, null);
                }

                if (latency > settings.AbortAfter.TotalMilliseconds)
                {
                    abort.Cancel();
                }
            }
            catch (OperationCanceledException) when (abort.IsCancellationRequested)
            {
                latencies[n] = double.NaN;
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>The nearest-rank percentile of sorted values; NaN when empty.</summary>
    public static double Percentile(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
