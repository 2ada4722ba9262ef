namespace Knative.Eventing.Metrics;

/// <summary>
/// The explicit histogram bucket boundaries of the contract, in seconds (Knative's and the
/// OpenTelemetry messaging conventions'). Given to the SDK as <see cref="System.Diagnostics.Metrics.InstrumentAdvice{T}"/>,
/// so a user's View can still override them.
/// </summary>
public static class HistogramBuckets
{
    /// <summary>The bucket boundaries of every duration histogram, in seconds.</summary>
    public static IReadOnlyList<double> Seconds { get; } =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
}
