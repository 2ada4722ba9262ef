using System.Net;
using System.Text;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.Exporter.Listening;
using Knative.Eventing.Metrics.Exporter.Model;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary><c>GET /</c> (a small status page) and <c>GET /leaderboard</c> on the ingress listener.</summary>
internal static class StatusEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/leaderboard", (Leaderboard leaderboard, GameSimulator game) =>
            Results.Json(new
            {
                players = leaderboard.Top(20).Select(p => new { player = p.Player, score = p.Score }),
                totalScore = leaderboard.TotalScore,
                scoreEvents = leaderboard.Events,
                sent = new { events = game.EventsSent, scoreEvents = game.ScoreEvents, scoreSum = game.ScoreSum, failed = game.Failed },
            }));

        endpoints.MapGet("/", (BrokerModel model, IOptions<BrokerOptions> broker, Leaderboard leaderboard, GameSimulator game, DeadLetters deadLetters, Listeners listeners, IOptions<ExporterOptions> options) =>
        {

            var html = new StringBuilder()
                .Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Knative Eventing Metrics</title>")
                .Append("<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}</style></head><body>")
                .Append("<h1>Knative Eventing Metrics exporter</h1>")
                .Append($"<p>Backend: <b>{E(broker.Value.Backend)}</b> · <a href=\"{E(listeners.BoundUrl(ListenerRole.Metrics))}{E(options.Value.MetricsPath)}\">/metrics</a> · <a href=\"/leaderboard\">/leaderboard</a> · <a href=\"/healthz\">/healthz</a></p>")
                .Append($"<p>Game: {game.EventsSent} events sent ({game.ScoreEvents} scores, {game.Failed} failed) · leaderboard total {leaderboard.TotalScore} · dead letters {deadLetters.Received}</p>")
                .Append("<h2>Brokers</h2><table><tr><th>Broker</th><th>Ingress</th></tr>");
            foreach (var b in model.Brokers)
            {
                html.Append($"<tr><td>{E(b.ToString())}</td><td>POST /{E(b.Namespace)}/{E(b.Name)}</td></tr>");
            }

            html.Append("</table><h2>Triggers</h2><table><tr><th>Trigger</th><th>Subscriber</th><th>Retry</th><th>Dead-letter sink</th></tr>");
            foreach (var t in model.Triggers)
            {
                html.Append($"<tr><td>{E(t.Ref.ToString())}</td><td>{E(t.Subscriber.ToString())}</td><td>{t.Retry}</td><td>{E(t.DeadLetterSink?.ToString() ?? "none")}</td></tr>");
            }

            html.Append("</table><h2>Leaderboard</h2><table><tr><th>Player</th><th>Score</th></tr>");
            foreach (var (player, score) in leaderboard.Top(10))
            {
                html.Append($"<tr><td>{E(player)}</td><td>{score}</td></tr>");
            }

            return Results.Content(html.Append("</table></body></html>").ToString(), "text/html; charset=utf-8");
        });
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
