using System.Collections.Concurrent;
using System.Text.Json;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Game;

/// <summary>The game's in-process subscribers and what each received.</summary>
internal static class GameSubscribers
{
    public const string LevelCompletedType = "dev.knative.game.level.completed";

    internal static bool TryReadScore(CloudEvent cloudEvent, out string player, out int level, out int score)
    {
        player = string.Empty;
        level = score = 0;
        // Events read back from RabbitMQ or Kafka keep their JSON data as bytes (PassThroughJsonEventFormatter).
        using var parsed = cloudEvent.Data is byte[] bytes ? JsonDocument.Parse(bytes) : null;
        if ((parsed?.RootElement ?? cloudEvent.Data) is not JsonElement { ValueKind: JsonValueKind.Object } data
            || !data.TryGetProperty("player", out var p) || p.GetString() is not { } name
            || !data.TryGetProperty("levelScore", out var s) || !s.TryGetInt32(out score))
        {
            return false;
        }

        player = name;
        level = data.TryGetProperty("level", out var l) && l.TryGetInt32(out var n) ? n : 0;
        return true;
    }
}

/// <summary><c>inproc://leaderboard</c>: adds each score to the leaderboard.</summary>
internal sealed class LeaderboardSubscriber(Leaderboard leaderboard) : IInProcessSubscriber
{
    public string Name => "leaderboard";

    public Task<SubscriberResponse> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        if (!GameSubscribers.TryReadScore(cloudEvent, out var player, out _, out var score))
        {
            return Task.FromResult(new SubscriberResponse(400, null));
        }

        leaderboard.Add(player, score);
        return Task.FromResult(new SubscriberResponse(200, null));
    }
}

/// <summary><c>inproc://score-audit</c>: fails a configurable share of requests with 503, so retries and dead letters show.</summary>
internal sealed class ScoreAuditSubscriber(IOptions<GameOptions> options) : IInProcessSubscriber
{
    public string Name => "score-audit";

    public Task<SubscriberResponse> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken) =>
        Task.FromResult(new SubscriberResponse(Random.Shared.NextDouble() < options.Value.AuditFailureRate ? 503 : 200, null));
}

/// <summary><c>inproc://level-stats</c>: counts scores per level and replies with a level-completed event (re-ingested).</summary>
internal sealed class LevelStatisticsSubscriber : IInProcessSubscriber
{
    private readonly ConcurrentDictionary<int, long> _levels = new();

    public string Name => "level-stats";

    public Task<SubscriberResponse> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        if (!GameSubscribers.TryReadScore(cloudEvent, out _, out var level, out _))
        {
            return Task.FromResult(new SubscriberResponse(400, null));
        }

        var count = _levels.AddOrUpdate(level, 1, (_, n) => n + 1);
        var reply = new CloudEvent
        {
            Id = $"{cloudEvent.Id}-completed",
            Source = new Uri("/game/level-stats", UriKind.Relative),
            Type = GameSubscribers.LevelCompletedType,
            DataContentType = "application/json",
            Data = JsonSerializer.SerializeToElement(new { level, completions = count }),
        };
        return Task.FromResult(new SubscriberResponse(200, reply));
    }
}

/// <summary>A subscriber that only counts what it received (<c>inproc://completions</c>, <c>inproc://sessions</c>).</summary>
internal sealed class TallySubscriber(string name) : IInProcessSubscriber
{
    private long _received;

    public string Name => name;

    public long Received => Interlocked.Read(ref _received);

    public Task<SubscriberResponse> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _received);
        return Task.FromResult(new SubscriberResponse(200, null));
    }
}

/// <summary><c>inproc://dead-letters</c>: the dead-letter sink; counts what it received.</summary>
internal sealed class DeadLetters : IInProcessSubscriber
{
    private long _received;

    public string Name => "dead-letters";

    public long Received => Interlocked.Read(ref _received);

    public Task<SubscriberResponse> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _received);
        return Task.FromResult(new SubscriberResponse(202, null));
    }
}
