using System.Net;
using System.Reflection;
using System.Text;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Listening;
using Knative.Eventing.Metrics.Broker.Model;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>
/// <c>GET /</c>: the live view of the event flow (one self-contained page: no request leaves the exporter);
/// <c>GET /live/events</c>: its frames as server-sent events, one a second; <c>GET /live/frame</c>: one frame
/// as JSON.
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

    private static string ReadPage()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Knative.Eventing.Metrics.Exporter.Live.live.html")
            ?? throw new InvalidOperationException("The live view page is not embedded in the exporter.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
