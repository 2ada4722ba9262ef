using System.Globalization;
using Knative.Eventing.Metrics.TestInfrastructure;
using System.Text;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// A kind of event offered to the game's broker (<c>demo/default</c>, the five triggers of
/// <c>deploy/knative/game.yaml</c>), in HTTP binary mode, as a producer posts it.
/// </summary>
internal sealed record Workload(string Name, string Description, string Type, Func<long, string> Source, Func<long, byte[]> Data, int OutcomesPerEvent)
{
    /// <summary>
    /// With a value, the run adds a sixth trigger (<see cref="NeighbourSubscriber"/>) for these events whose subscriber
    /// answers after this delay; the capacity counted is the other five triggers'. No floor is measured.
    /// </summary>
    public TimeSpan? Neighbour { get; init; }

    /// <summary>Triggers of the game's broker: every event gets one final outcome from each.</summary>
    public const int Triggers = 5;

    private static readonly byte[] SessionStart = """{"player":"capacity","session":1}"""u8.ToArray();
    private static readonly byte[] LargeData = Encoding.UTF8.GetBytes($$"""{"player":"capacity","blob":"{{new string('x', (64 * 1024) - 32)}}"}""");

    /// <summary>Filtered out by every trigger: ingress, store and five filter decisions.</summary>
    public static Workload FilterOnly { get; } = new(
        "filter", "filtered out by all 5 triggers", "dev.knative.capacity.unmatched", _ => "/capacity", _ => SessionStart, Triggers);

    /// <summary><c>dev.knative.game.start</c>: one trigger (sessions) delivers it, four filter it out.</summary>
    public static Workload OneDispatch { get; } = new(
        "one-dispatch", "game.start: 1 delivery, 4 filtered", "dev.knative.game.start", _ => "/game", _ => SessionStart, Triggers);

    /// <summary>
    /// <c>dev.knative.game.score</c>, the game's real mix: leaderboard, score-audit (fails 30 %, retried, then
    /// dead-lettered) and level-stats deliver it; level-stats replies with a level-completed event, which is
    /// re-ingested and delivered to completions (five more outcomes).
    /// </summary>
    public static Workload ScoreMix { get; } = new(
        "score-mix", "game.score: 3 deliveries (30 % retried), 1 reply re-ingested", "dev.knative.game.score",
        n => $"/game/level/{(n % 5) + 1}",
        n => Encoding.UTF8.GetBytes($$"""{"player":"p{{n % 50}}","level":{{(n % 5) + 1}},"levelScore":{{n % 100}}}"""),
        2 * Triggers);

    /// <summary>A 64 KiB event of the one-dispatch kind.</summary>
    public static Workload Large { get; } = new(
        "64KiB", "game.start with 64 KiB of data: 1 delivery", "dev.knative.game.start", _ => "/game", _ => LargeData, Triggers);

    /// <summary>One-dispatch events beside a sixth trigger whose subscriber answers at once (the baseline of <see cref="SlowNeighbour"/>).</summary>
    public static Workload FastNeighbour { get; } = OneDispatch with { Name = "fast-neighbour", Description = "one-dispatch + a 6th trigger answering at once", Neighbour = TimeSpan.Zero };

    /// <summary>One-dispatch events beside a sixth trigger whose subscriber answers after 50 ms.</summary>
    public static Workload SlowNeighbour { get; } = OneDispatch with { Name = "slow-neighbour", Description = "one-dispatch + a 6th trigger answering after 50 ms", Neighbour = TimeSpan.FromMilliseconds(50) };

    /// <summary>Every workload, in the report's order.</summary>
    public static IReadOnlyList<Workload> All { get; } = [FilterOnly, OneDispatch, ScoreMix, Large, FastNeighbour, SlowNeighbour];

    /// <summary>The event with id <c>capacity-{n}</c>, in binary mode, for the broker ingress at <paramref name="url"/>.</summary>
    public HttpRequestMessage Request(string url, long n) => BinaryCloudEvent.Post(url, Id(n), Type, Source(n), Data(n));

    /// <summary>The event id of operation <paramref name="n"/>.</summary>
    public static string Id(long n) => "capacity-" + n.ToString(CultureInfo.InvariantCulture);
}
