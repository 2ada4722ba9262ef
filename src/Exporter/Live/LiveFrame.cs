namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>One second of the live view, as the page receives it (JSON).</summary>
internal sealed record LiveFrame(
    DateTimeOffset At,
    string Backend,
    IReadOnlyList<LiveBroker> Brokers,
    IReadOnlyList<LiveTrigger> Triggers,
    IReadOnlyList<LiveInvalid> Invalid,
    IReadOnlyList<LivePlayer> Leaderboard);

/// <summary>
/// A broker's ingress: totals since start and per-second rates over the last seconds, and the subscribers' replies
/// re-ingested into it (they reach its triggers like accepted events, but never pass the HTTP ingress).
/// </summary>
internal sealed record LiveBroker(string Broker, double Accepted, double Rejected, double AcceptedRate, double RejectedRate, double Replies);

/// <summary>
/// A trigger: the events that reached it (its broker's accepted events and re-ingested replies), outcome totals and
/// rates (<see cref="Filtered"/>: filtered out), retries, dispatch latency quantiles (seconds, null without attempts),
/// backlog. Once nothing is in flight, delivered + filtered out + dead-lettered + dropped = reached.
/// </summary>
internal sealed record LiveTrigger(
    string Trigger,
    double Reached,
    double Delivered,
    double Filtered,
    double DeadLettered,
    double Dropped,
    double Retried,
    double DeliveredRate,
    double FilteredRate,
    double RetriedRate,
    double DeadLetteredRate,
    double? P50,
    double? P99,
    double Backlog);

/// <summary>Invalid events of one reason.</summary>
internal sealed record LiveInvalid(string Reason, double Total, double Rate);

/// <summary>A leaderboard row.</summary>
internal sealed record LivePlayer(string Player, long Score);
