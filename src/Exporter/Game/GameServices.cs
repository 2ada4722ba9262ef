using Knative.Eventing.Metrics.Broker.Dispatch;

namespace Knative.Eventing.Metrics.Exporter.Game;

/// <summary>
/// The demo game plugs into the broker only as in-process subscribers and as default manifests
/// (<see cref="Manifests"/>, the game's broker and triggers); the simulator posts to the ingress like any producer.
/// <c>--no-game</c> registers none of it.
/// </summary>
internal static class GameServices
{
    /// <summary>The game's broker and triggers (deploy/knative/game.yaml), loaded when the game runs and no manifest is given.</summary>
    public static string Manifests { get; } = Path.Combine(AppContext.BaseDirectory, "knative", "game.yaml");

    /// <summary>Registers the game's subscribers, its leaderboard and the player simulator.</summary>
    public static IServiceCollection AddGame(this IServiceCollection services)
    {
        services.AddSingleton<Leaderboard>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<IInProcessSubscriber, LeaderboardSubscriber>();
        services.AddSingleton<IInProcessSubscriber, ScoreAuditSubscriber>();
        services.AddSingleton<IInProcessSubscriber, LevelStatisticsSubscriber>();
        services.AddSingleton<IInProcessSubscriber>(sp => new TallySubscriber("completions"));
        services.AddSingleton<IInProcessSubscriber>(sp => new TallySubscriber("sessions"));
        services.AddSingleton<IInProcessSubscriber>(sp => sp.GetRequiredService<DeadLetters>());
        // Over HTTPS (--tls-cert) the players trust the ingress's own certificate, whichever CA issued it: they post to
        // this process, and the machine need not trust that CA.
        services.AddHttpClient(nameof(GameSimulator)).ConfigurePrimaryHttpMessageHandler(sp =>
        {
            var listeners = sp.GetRequiredService<Listening.Listeners>();
            return new SocketsHttpHandler
            {
                SslOptions =
                {
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                        errors == System.Net.Security.SslPolicyErrors.None
                        || (listeners.Tls is { } tls && certificate is not null && certificate.GetCertHashString() == tls.Current.Thumbprint),
                },
            };
        });
        services.AddSingleton<GameSimulator>();
        services.AddHostedService(sp => sp.GetRequiredService<GameSimulator>());
        return services;
    }

    /// <summary><c>GET /leaderboard</c>: the scores the leaderboard subscriber received and what the players sent.</summary>
    public static void MapGame(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/leaderboard", (Leaderboard leaderboard, GameSimulator game) =>
            Results.Json(new
            {
                players = leaderboard.Top(20).Select(p => new { player = p.Player, score = p.Score }),
                totalScore = leaderboard.TotalScore,
                scoreEvents = leaderboard.Events,
                sent = new { events = game.EventsSent, scoreEvents = game.ScoreEvents, scoreSum = game.ScoreSum, failed = game.Failed },
            }));
}
