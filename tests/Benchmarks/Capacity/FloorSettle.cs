using System.Diagnostics;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>How the raw-client floors settle: their consumers' count reaches what was produced times the outcomes per event.</summary>
internal static class FloorSettle
{
    /// <summary>Polls <paramref name="consumed"/> until it reaches <paramref name="expected"/>; how long that took, or null past <paramref name="limit"/>.</summary>
    public static async Task<TimeSpan?> UntilAsync(Func<long> consumed, long expected, TimeSpan limit)
    {
        var start = Stopwatch.GetTimestamp();
        while (consumed() < expected)
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
