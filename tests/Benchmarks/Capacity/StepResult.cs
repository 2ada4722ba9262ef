namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// What one step of offered load did: operations sent, completed (accepted) and failed (any other answer),
/// latency percentiles in ms from when each was due, whether it was stopped early, and how long the target
/// took after the step to finish what it accepted (<see cref="Settled"/>; null: not within the limit).
/// </summary>
internal sealed record StepResult(
    double OfferedRate,
    TimeSpan Duration,
    long Sent,
    long Completed,
    long Failed,
    string? FirstError,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    bool Aborted,
    TimeSpan Elapsed)
{
    /// <summary>CPU time the target's own process spent per accepted event, µs (NaN: the target runs in this process).</summary>
    public double TargetCpuUsPerEvent { get; init; } = double.NaN;

    /// <summary>
    /// Mean time from sending an operation to its answer, ms: without the wait for one of the in-flight slots, so it is the
    /// target's own latency; the most a step can sustain is about the number of slots divided by it.
    /// </summary>
    public double MeanAnswerMs { get; init; } = double.NaN;

    /// <summary>Time from the step's end until everything accepted was delivered (null: not within the limit).</summary>
    public TimeSpan? Settled { get; init; }

    /// <summary>Whether the step is sustained: every operation completed, p99 within the bound, nothing stopped early, drained in time.</summary>
    public bool Sustained(CapacitySettings settings) =>
        !Aborted && Failed == 0 && Completed == Sent && P99Ms <= settings.P99BoundMs && Settled is { } s && s <= settings.DrainBound;

    /// <summary>Why the step is not sustained, or null.</summary>
    public string? Verdict(CapacitySettings settings) =>
        Aborted ? $"stopped: an operation waited over {settings.AbortAfter.TotalSeconds:0.#} s"
        : Failed > 0 ? $"{Failed} failed ({FirstError})"
        : Completed != Sent ? $"{Sent - Completed} unanswered"
        : P99Ms > settings.P99BoundMs ? $"p99 {P99Ms:F1} ms > {settings.P99BoundMs} ms"
        : Settled is null ? "accepted events not delivered within the drain bound"
        : Settled > settings.DrainBound ? $"drained in {Settled.Value.TotalSeconds:F1} s > {settings.DrainBound.TotalSeconds:0.#} s"
        : null;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{OfferedRate,8:F0}/s for {Duration.TotalSeconds:0} s: {Completed}/{Sent} ok, {Failed} failed, p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms, max {MaxMs:F1} ms, answered in {MeanAnswerMs:F2} ms mean once sent, drained {(Settled is { } s ? $"{s.TotalMilliseconds:F0} ms" : "no")}{(double.IsNaN(TargetCpuUsPerEvent) ? string.Empty : $", target {TargetCpuUsPerEvent:F0} µs CPU/event")}";
}
