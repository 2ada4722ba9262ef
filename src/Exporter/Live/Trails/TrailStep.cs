namespace Knative.Eventing.Metrics.Exporter.Live.Trails;

/// <summary>
/// One hop of an event's trail, from one span: what it was (<c>ingress</c>, <c>publish</c>, <c>process</c>, <c>attempt</c>),
/// where (broker or trigger destination), when (milliseconds after the trail began) and how it ended.
/// </summary>
internal sealed record TrailStep(
    string SpanId,
    string? ParentSpanId,
    string Hop,
    string Name,
    string? Destination,
    string? EventId,
    double StartMs,
    double DurationMs,
    bool Failed,
    int? StatusCode,
    string? ErrorType,
    string? Outcome,
    int? Resend)
{
    /// <summary>When the span started (for ordering and the trail's start).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateTime StartUtc { get; init; }
}
