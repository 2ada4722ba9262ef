namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// Waits for a condition on something asynchronous (sampled statistics, commits, scrapes): reads until the
/// condition holds or the deadline passes, and returns the last value read, so the caller asserts on it.
/// </summary>
public static class Poll
{
    /// <summary>Reads until <paramref name="condition"/> holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan timeout, TimeSpan interval)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(interval); // polling a condition with a deadline, not a sleep as synchronisation
        }
    }
}
