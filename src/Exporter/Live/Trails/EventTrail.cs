namespace Knative.Eventing.Metrics.Exporter.Live.Trails;

/// <summary>
/// The trail of one trace: the event the sender sent, and every reply re-ingested in its trace, hop by hop. Steps in start
/// order, times relative to the first; the trail failed when any hop did (a failed attempt, a dropped delivery).
/// </summary>
internal sealed record EventTrail(
    string TraceId,
    IReadOnlyList<string> EventIds,
    string? EventType,
    DateTime StartedUtc,
    double DurationMs,
    bool Failed,
    int StepsOmitted,
    IReadOnlyList<TrailStep> Steps);

/// <summary>One line of the recent lists: which trace, which event, how long, whether something failed.</summary>
internal sealed record TrailSummary(string TraceId, string? EventId, string? EventType, DateTime StartedUtc, double DurationMs, bool Failed);
