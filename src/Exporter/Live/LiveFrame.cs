namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>One second of the live view, as the page receives it (JSON).</summary>
internal sealed record LiveFrame(
    DateTimeOffset At,
    string Backend,
    IReadOnlyList<LiveBroker> Brokers,
    IReadOnlyList<LiveTrigger> Triggers,
    IReadOnlyList<LiveInvalid> Invalid,
    IReadOnlyList<LivePlayer> Leaderboard);

/// <summary>A broker's ingress: totals since start and per-second rates over the last seconds.</summary>
internal sealed record LiveBroker(string Broker, double Accepted, double Rejected, double AcceptedRate, double RejectedRate);

/// <summary>A trigger: outcome totals and rates, retries, dispatch latency quantiles (seconds, null without attempts), backlog.</summary>
internal sealed record LiveTrigger(
    string Trigger,
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
