using System.Net;
using System.Reflection;
using System.Text;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Listening;
using Knative.Eventing.Metrics.Exporter.Live.Trails;
using Knative.Eventing.Metrics.Broker.Model;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>
/// <c>GET /</c>: the live view of the event flow (one self-contained page: no request leaves the exporter);
/// <c>GET /live/events</c>: its frames as server-sent events, one a second; <c>GET /live/frame</c>: one frame
/// as JSON; <c>GET /live/trails/{eventId}</c>, <c>GET /live/trails?trace=</c> and <c>GET /live/trails?count=</c>: recent events'
/// trails (docs/tracing.md).
/// </summary>
internal static class LiveEndpoints
{
    private static readonly string Page = ReadPage();

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (Topology model, IOptions<BrokerOptions> broker, Listeners listeners, IOptions<ExporterOptions> options) =>
            Results.Content(
                Page.Replace("<!--METRICS-->", E($"{listeners.BoundUrl(ListenerRole.Metrics)}{options.Value.MetricsPath}"), StringComparison.Ordinal)
                    .Replace("<!--CONFIGURATION-->", Configuration(model), StringComparison.Ordinal),
                "text/html; charset=utf-8"));

        endpoints.MapGet("/live/frame", (LiveView live, CancellationToken cancellationToken) => live.FrameAsync(cancellationToken));

        // Where did my event go: the trails of recent events (EventTrails), by event id, by trace id, or the slowest and failed.
        endpoints.MapGet("/live/trails/{eventId}", (string eventId, EventTrails trails) =>
            trails.ForEvent(eventId) is { Count: > 0 } found
                ? Results.Ok(found)
                : NotKept($"No recent trail carries event id '{Shorten(eventId)}'.", trails));
        endpoints.MapGet("/live/trails", (string? trace, int? count, EventTrails trails) =>
        {
            if (trace is not null)
            {
                return trails.ForTrace(trace) is { } trail ? Results.Ok(trail) : NotKept($"No recent trail has trace id '{Shorten(trace)}'.", trails);
            }

            if (count is < 1 or > 100)
            {
                return Results.Problem(title: "Bad count", detail: "count must be from 1 to 100.", statusCode: StatusCodes.Status400BadRequest);
            }

            var (slowest, failed) = trails.Recent(count ?? 10);
            return Results.Ok(new { kept = trails.Count, capacity = trails.Capacity, slowest, failed });
        });

        endpoints.MapGet("/live/events", (LiveView live, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.ServerSentEvents(live.SubscribeAsync(context.RequestAborted), eventType: "frame");
        });
    }

    private static string Configuration(Topology model)
    {
        var html = new StringBuilder("<table><thead><tr><th>Trigger</th><th>Subscriber</th><th>Retry</th><th>Dead-letter " +
            "sink</th></tr></thead><tbody>");
        foreach (var t in model.Triggers)
        {
            html.Append($"<tr><td>{E(t.Ref.ToString())}</td><td>{E(t.Subscriber.ToString())}</td>")
                .Append($"<td>{t.Retry}</td><td>{E(t.DeadLetterSink?.ToString() ?? "none")}</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);

    private static IResult NotKept(string detail, EventTrails trails) => Results.Problem(
        title: "No such trail",
        detail: $"{detail} The live view keeps the last {trails.Capacity} sampled traces (Exporter:TrailCapacity); older ones are in your trace "
            + "backend, if one is configured.",
        statusCode: StatusCodes.Status404NotFound);

    private static string Shorten(string value) => value.Length > 64 ? value[..64] + "…" : value;

    private static string ReadPage()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Knative.Eventing.Metrics.Exporter.Live.live.html")
            ?? throw new InvalidOperationException("The live view page is not embedded in the exporter.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
