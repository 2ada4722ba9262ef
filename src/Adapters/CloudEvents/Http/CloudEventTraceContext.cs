using System.Diagnostics;
using CloudNative.CloudEvents;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Context.Propagation;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>The sender's trace context on an incoming request, for the ingress span.</summary>
public static class CloudEventTraceContext
{
    /// <summary>The CloudEvents distributed-tracing extension's attribute (cloudevents/spec, extensions/distributed-tracing.md).</summary>
    public const string TraceParentExtension = "traceparent";

    /// <summary>
    /// The context the ingress span continues: the request's W3C <c>traceparent</c>/<c>tracestate</c> and <c>baggage</c>
    /// headers (or, when ASP.NET Core's own request span is recorded, that span, which read the same headers); without a valid
    /// header, the <c>traceparent</c> extension of a single event (the distributed-tracing extension: read, never rewritten).
    /// Malformed values give an empty context: the event starts a new trace.
    /// </summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="events">The events it carried, when read.</param>
    /// <returns>The sender's context, or <c>default</c>.</returns>
    public static PropagationContext ReadTraceContext(this HttpRequest request, IReadOnlyList<CloudEvent>? events = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = KnativeEventingTracing.Extract(
            request.Headers, static (h, name) => h.TryGetValue(name, out var v) ? v : default(IEnumerable<string>));
        if (Activity.Current is { Recorded: true } server && server.Source.Name == "Microsoft.AspNetCore")
        {
            return new PropagationContext(server.Context, headers.Baggage);
        }

        if (headers.ActivityContext != default || events is not [var single])
        {
            return headers;
        }

        return single[TraceParentExtension] is string traceParent
            ? KnativeEventingTracing.Extract(traceParent, static (value, name) => name == TraceParentExtension ? [value] : null)
            : headers;
    }
}
