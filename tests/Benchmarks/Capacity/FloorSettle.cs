using System.Diagnostics;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>How the raw-client floors settle: their consumers' count reaches what was produced times the outcomes per event.</summary>
internal static class FloorSettle
{
    /// <summary>Polls <paramref name="consumed"/> until it reaches <paramref name="expected"/>; how long that took, or null past <paramref name="limit"/>.</summary>
    public static Task<TimeSpan?> UntilAsync(Func<long> consumed, long expected, TimeSpan limit) =>
        UntilAsync(() => Task.FromResult(consumed()), expected, limit);

    /// <summary>As <see cref="UntilAsync(Func{long}, long, TimeSpan)"/>, for a count read from another process.</summary>
    public static async Task<TimeSpan?> UntilAsync(Func<Task<long>> consumed, long expected, TimeSpan limit)
    {
        var start = Stopwatch.GetTimestamp();
        while (await consumed() < expected)
        {
            if (Stopwatch.GetElapsedTime(start) > limit)
            {
                return null;
            }

            await Task.Delay(10); // polling the consumers' count
        }

        return Stopwatch.GetElapsedTime(start);
    }
}
