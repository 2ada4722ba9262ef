using System.Diagnostics;

namespace Knative.Eventing.Metrics.Exporter.Live.Trails;

/// <summary>
/// The spans of recent events, kept in memory for the live view's "where did my event go": at most
/// <see cref="Capacity"/> traces (the oldest is forgotten first) of at most <see cref="StepsPerTrail"/> steps each, so memory is
/// bounded whatever the traffic (docs/tracing.md states the figure). Only this project's spans, and only sampled ones.
/// Thread-safe: spans end on many threads.
/// </summary>
internal sealed class EventTrails(int capacity, int stepsPerTrail = EventTrails.DefaultStepsPerTrail)
{
    public const int DefaultCapacity = 1_000;
    public const int DefaultStepsPerTrail = 64;

    private static readonly string[] Hops = ["ingress", "publish", "process", "attempt"];
    private readonly Lock _lock = new();
    private readonly Dictionary<ActivityTraceId, Trail> _trails = [];
    private readonly Queue<ActivityTraceId> _order = new();
    private readonly Dictionary<string, List<ActivityTraceId>> _byEvent = new(StringComparer.Ordinal);

    public int Capacity { get; } = capacity;

    public int StepsPerTrail { get; } = stepsPerTrail;

    /// <summary>Traces kept now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _trails.Count;
            }
        }
    }

    /// <summary>Adds a span that ended; spans of other sources are ignored.</summary>
    public void Add(Activity span)
    {
        if (Capacity == 0 || span.Source.Name != KnativeEventingTracing.ActivitySourceName || !span.Recorded)
        {
            return;
        }

        var step = Step(span);
        lock (_lock)
        {
            if (!_trails.TryGetValue(span.TraceId, out var trail))
            {
                if (_trails.Count >= Capacity)
                {
                    Forget(_order.Dequeue());
                }

                trail = new Trail();
                _trails[span.TraceId] = trail;
                _order.Enqueue(span.TraceId);
            }

            if (trail.Steps.Count >= StepsPerTrail)
            {
                trail.Omitted++;
                return;
            }

            trail.Steps.Add(step);
            if (step.EventId is { } id && !trail.EventIds.Contains(id))
            {
                trail.EventIds.Add(id);
                if (!_byEvent.TryGetValue(id, out var traces))
                {
                    _byEvent[id] = traces = [];
                }

                traces.Add(span.TraceId);
            }

            trail.EventType ??= span.GetTagItem("cloudevents.event_type") as string;
        }
    }

    /// <summary>The trails of every kept trace that carried the event <paramref name="eventId"/> (usually one), newest last.</summary>
    public IReadOnlyList<EventTrail> ForEvent(string eventId)
    {
        lock (_lock)
        {
            return _byEvent.TryGetValue(eventId, out var traces) ? [.. traces.Select(t => View(t, _trails[t]))] : [];
        }
    }

    /// <summary>The trail of trace <paramref name="traceId"/> (32 lower-case hex digits, as in an exemplar), if kept.</summary>
    public EventTrail? ForTrace(string traceId)
    {
        // W3C trace ids: 32 lower-case hex digits, not all zero (ActivityTraceId refuses that one with an exception).
        if (traceId.Length != 32 || !traceId.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') || traceId.All(c => c == '0'))
        {
            return null;
        }

        var id = ActivityTraceId.CreateFromString(traceId);
        lock (_lock)
        {
            return _trails.TryGetValue(id, out var trail) ? View(id, trail) : null;
        }
    }

    /// <summary>The <paramref name="count"/> slowest kept trails and the <paramref name="count"/> most recent failed ones.</summary>
    public (IReadOnlyList<TrailSummary> Slowest, IReadOnlyList<TrailSummary> Failed) Recent(int count)
    {
        List<TrailSummary> all;
        lock (_lock)
        {
            all = [.. _order.Select(t => Summary(View(t, _trails[t])))];
        }

        return (
            [.. all.OrderByDescending(s => s.DurationMs).Take(count)],
            [.. all.Where(s => s.Failed).OrderByDescending(s => s.StartedUtc).Take(count)]);
    }

    private void Forget(ActivityTraceId traceId)
    {
        if (_trails.Remove(traceId, out var trail))
        {
            foreach (var id in trail.EventIds)
            {
                if (_byEvent.TryGetValue(id, out var traces) && traces.Remove(traceId) && traces.Count == 0)
                {
                    _byEvent.Remove(id);
                }
            }
        }
    }

    private static TrailSummary Summary(EventTrail trail) =>
        new(trail.TraceId, trail.EventIds.FirstOrDefault(), trail.EventType, trail.StartedUtc, trail.DurationMs, trail.Failed);

    private static EventTrail View(ActivityTraceId traceId, Trail trail)
    {
        // Start order; spans started within one clock tick keep the order of the hops.
        var steps = trail.Steps.OrderBy(s => s.StartUtc).ThenBy(s => Array.IndexOf(Hops, s.Hop)).ToList();
        var start = steps.Count == 0 ? default : steps[0].StartUtc;
        var end = steps.Count == 0 ? default : steps.Max(s => s.StartUtc.AddMilliseconds(s.DurationMs));
        return new EventTrail(
            traceId.ToHexString(),
            [.. trail.EventIds],
            trail.EventType,
            start,
            (end - start).TotalMilliseconds,
            steps.Any(s => s.Failed),
            trail.Omitted,
            [.. steps.Select(s => s with { StartMs = (s.StartUtc - start).TotalMilliseconds })]);
    }

    private static TrailStep Step(Activity span)
    {
        var operation = span.GetTagItem(KnativeAttributes.MessagingOperationName) as string;
        var hop = span.Kind switch
        {
            ActivityKind.Server => "ingress",
            ActivityKind.Producer => "publish",
            ActivityKind.Consumer => "process",
            _ => operation == KnativeAttributes.OperationSend ? "attempt" : operation ?? "span",
        };
        return new TrailStep(
            span.SpanId.ToHexString(),
            span.ParentSpanId == default ? null : span.ParentSpanId.ToHexString(),
            hop,
            span.DisplayName,
            span.GetTagItem(KnativeAttributes.MessagingDestinationName) as string,
            span.GetTagItem("cloudevents.event_id") as string,
            0,
            span.Duration.TotalMilliseconds,
            span.Status == ActivityStatusCode.Error,
            span.GetTagItem(KnativeAttributes.HttpResponseStatusCode) is int status ? status : null,
            span.GetTagItem(KnativeAttributes.ErrorType) as string,
            span.GetTagItem(KnativeAttributes.DeliveryOutcome) as string,
            span.GetTagItem("http.request.resend_count") is int resend ? resend : null)
        {
            StartUtc = span.StartTimeUtc,
        };
    }

    private sealed class Trail
    {
        public List<TrailStep> Steps { get; } = [];

        public List<string> EventIds { get; } = [];

        public string? EventType { get; set; }

        public int Omitted { get; set; }
    }
}
