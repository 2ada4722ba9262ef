namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>Something the capacity suite offers load to: the exporter over a backend, or a floor.</summary>
internal interface ICapacityTarget : IAsyncDisposable
{
    /// <summary>The process that serves the events, when it is not this one (its CPU time is reported per event); 0 otherwise.</summary>
    int ProcessId { get; }

    /// <summary>Reserves <paramref name="count"/> operation numbers (event ids stay unique over the steps); returns the first.</summary>
    long NextSequence(long count);

    /// <summary>Operation <paramref name="n"/>: one event offered. Returns null when accepted, else what went wrong.</summary>
    ValueTask<string?> SendAsync(long n, CancellationToken cancellationToken);

    /// <summary>Waits until everything accepted so far reached its triggers; how long that took, or null past <paramref name="limit"/>.</summary>
    Task<TimeSpan?> SettleAsync(TimeSpan limit);
}
