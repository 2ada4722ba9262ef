namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>A running maximum that many threads raise at once (peak concurrency in tests).</summary>
public static class InterlockedMax
{
    /// <summary>Raises <paramref name="max"/> to <paramref name="value"/> unless it is already at least that.</summary>
    public static void Raise(ref int max, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref max)) && Interlocked.CompareExchange(ref max, value, seen) != seen)
        {
        }
    }
}
