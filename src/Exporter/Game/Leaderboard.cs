using System.Collections.Concurrent;

namespace Knative.Eventing.Metrics.Exporter.Game;

/// <summary>Scores per player, as the leaderboard subscriber received them.</summary>
internal sealed class Leaderboard
{
    private readonly ConcurrentDictionary<string, long> _scores = new(StringComparer.Ordinal);
    private long _events;

    public long Events => Interlocked.Read(ref _events);

    public long TotalScore => _scores.Values.Sum();

    public void Add(string player, int score)
    {
        _scores.AddOrUpdate(player, score, (_, total) => total + score);
        Interlocked.Increment(ref _events);
    }

    public IReadOnlyList<(string Player, long Score)> Top(int count) =>
        _scores.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(count).Select(p => (p.Key, p.Value)).ToList();
}
