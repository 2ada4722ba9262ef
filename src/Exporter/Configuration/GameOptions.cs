namespace Knative.Eventing.Metrics.Exporter.Configuration;

/// <summary>The simulated game (section <c>Game</c>).</summary>
internal sealed class GameOptions
{
    public const string SectionName = "Game";

    /// <summary>Whether the game is part of the exporter at all: its subscribers, default manifests, players and
    /// leaderboard (<c>--no-game</c> turns it off; then the brokers come from <c>--manifests</c> or settings).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Simulated players playing at once; 0 runs the game's broker and subscribers with no players (for your own producers).</summary>
    public int Players { get; set; } = 5;

    /// <summary>Events per second over all players.</summary>
    public double Rate { get; set; } = 20;

    /// <summary>Stop after this many events (null: play until stopped).</summary>
    public int? MaxEvents { get; set; }

    /// <summary>Levels per game session.</summary>
    public int Levels { get; set; } = 5;

    /// <summary>Share of requests the score-audit subscriber fails with 503 (so retries and dead letters show).</summary>
    public double AuditFailureRate { get; set; } = 0.3;

    /// <summary>The broker the game posts to.</summary>
    public string Namespace { get; set; } = "demo";

    public string Broker { get; set; } = "default";
}
