using System.Globalization;

namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>
/// Turns scrapes of the exporter's own <c>/metrics</c> into frames: totals are the scrape's values (summed over
/// the labels a row does not show), rates and dispatch-latency quantiles come from the difference with the
/// scrape about <see cref="Window"/> earlier, as Prometheus's <c>rate</c> and <c>histogram_quantile</c> would.
/// Each scrape is summed once, in one pass, and kept summed for the window.
/// </summary>
internal sealed class LiveFrameBuilder
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Queue<Sums> _history = new();

    /// <summary>A frame from a scrape; with <paramref name="record"/> the scrape joins the window later frames' rates use.</summary>
    public LiveFrame Build(
        DateTimeOffset at,
        List<ExpositionSample> samples,
        string backend,
        IReadOnlyList<LivePlayer> leaderboard,
        bool record = true)
    {
        var now = Sums.Of(at, samples);
        if (record)
        {
            _history.Enqueue(now);
        }

        // Scrapes older than the window go (all of them after a while with no page open: no rate over an hour).
        while (_history.Count > (record ? 1 : 0) && at - _history.Peek().At > Window)
        {
            _history.Dequeue();
        }

        var old = _history.Count > 0 ? _history.Peek() : now;
        var seconds = Math.Max((at - old.At).TotalSeconds, 1e-9);
        double Rate(double current, double before) => ReferenceEquals(old, now) ? 0 : Math.Max(0, current - before) / seconds;

        var brokers = now.Ingress.Keys.Select(k => k.Row).Distinct().Order(StringComparer.Ordinal).Select(b => new LiveBroker(
            b,
            Get(now.Ingress, b, "accepted"),
            Get(now.Ingress, b, "rejected"),
            Rate(Get(now.Ingress, b, "accepted"), Get(old.Ingress, b, "accepted")),
            Rate(Get(now.Ingress, b, "rejected"), Get(old.Ingress, b, "rejected")),
            now.Replies.GetValueOrDefault(b))).ToList();

        var rows = now.Outcomes.Keys.Select(k => k.Row).Concat(now.Backlog.Keys.Select(k => k.Row)).Distinct().Order(StringComparer.Ordinal);
        var triggers = rows.Select(t =>
        {
            var (p50, p99) = Quantiles(now.Buckets.GetValueOrDefault(t), ReferenceEquals(old, now) ? null : old.Buckets.GetValueOrDefault(t));
            var broker = t[..t.LastIndexOf('/')];
            return new LiveTrigger(
                t,
                Get(now.Ingress, broker, "accepted") + now.Replies.GetValueOrDefault(broker),
                Get(now.Outcomes, t, "delivered"),
                Get(now.Outcomes, t, "filtered"),
                Get(now.Outcomes, t, "dead_lettered"),
                Get(now.Outcomes, t, "dropped"),
                now.Retried(t),
                Rate(Get(now.Outcomes, t, "delivered"), Get(old.Outcomes, t, "delivered")),
                Rate(Get(now.Outcomes, t, "filtered"), Get(old.Outcomes, t, "filtered")),
                Rate(now.Retried(t), old.Retried(t)),
                Rate(Get(now.Outcomes, t, "dead_lettered"), Get(old.Outcomes, t, "dead_lettered")),
                p50,
                p99,
                Get(now.Backlog, t, "broker") + Get(now.Backlog, t, "replica"));
        }).ToList();

        var reasons = now.Invalid.Select(r => new LiveInvalid(
            r.Key,
            r.Value,
            Rate(r.Value, old.Invalid.GetValueOrDefault(r.Key)))).OrderBy(r => r.Reason, StringComparer.Ordinal).ToList();
        return new LiveFrame(at, backend, brokers, triggers, reasons, leaderboard);
    }

    private static double Get(
        Dictionary<(string Row, string Column),
        double> totals,
        string row,
        string column) => totals.GetValueOrDefault((row, column));

    /// <summary>p50 and p99 of the attempts between two cumulative bucket sets, interpolated within buckets as <c>histogram_quantile</c>
    /// does.</summary>
    private static (double? P50, double? P99) Quantiles(Dictionary<double, double>? current, Dictionary<double, double>? earlier)
    {
        if (current is null)
        {
            return (null, null);
        }

        var deltas = current.OrderBy(b => b.Key).Select(b => (
            Le: b.Key,
            Count: Math.Max(0, b.Value - (earlier?.GetValueOrDefault(b.Key) ?? 0)))).ToList();
        var total = deltas.Count == 0 ? 0 : deltas[^1].Count;
        if (total <= 0)
        {
            return (null, null);
        }

        double Quantile(double q)
        {
            var rank = q * total;
            var (lower, countBelow) = (0.0, 0.0);
            foreach (var (le, count) in deltas)
            {
                if (count >= rank)
                {
                    if (double.IsPositiveInfinity(le))
                    {
                        return lower;
                    }

                    return count == countBelow ? le : lower + ((le - lower) * (rank - countBelow) / (count - countBelow));
                }

                (lower, countBelow) = (le, count);
            }

            return lower;
        }

        return (Quantile(0.5), Quantile(0.99));
    }

    /// <summary>One scrape, summed per row (broker or trigger) and column (status class, outcome, scope, bucket bound).</summary>
    private sealed class Sums
    {
        public required DateTimeOffset At { get; init; }

        public Dictionary<(string Row, string Column), double> Ingress { get; } = [];

        public Dictionary<(string Row, string Column), double> Outcomes { get; } = [];

        /// <summary>Replies re-ingested (reply attempts that the broker accepted) per broker.</summary>
        public Dictionary<string, double> Replies { get; } = [];

        /// <summary>Attempts to the subscriber (destination <c>trigger:…</c>) per trigger.</summary>
        public Dictionary<string, double> Attempts { get; } = [];

        public Dictionary<(string Row, string Column), double> Backlog { get; } = [];

        public Dictionary<string, double> Invalid { get; } = [];

        /// <summary>Cumulative dispatch-duration buckets per trigger, by upper bound.</summary>
        public Dictionary<string, Dictionary<double, double>> Buckets { get; } = [];

        /// <summary>Attempts beyond the first: attempts minus the outcomes that followed attempts.</summary>
        public double Retried(string trigger) =>
            Math.Max(0, Attempts.GetValueOrDefault(trigger) - (Get(
                Outcomes,
                trigger,
                "delivered") + Get(Outcomes, trigger, "dead_lettered") + Get(Outcomes, trigger, "dropped")));

        public static Sums Of(DateTimeOffset at, List<ExpositionSample> samples)
        {
            var sums = new Sums { At = at };
            foreach (var s in samples)
            {
                switch (s.Name)
                {
                    case "kn_eventing_ingress_duration_seconds_count":
                        Add(sums.Ingress, (Broker(s), s.Label("http_response_status_code").StartsWith('2') ? "accepted" : "rejected"), s.Value);
                        break;
                    case "kn_eventing_deliveries_total":
                        Add(sums.Outcomes, (Trigger(s), s.Label("kn_delivery_outcome")), s.Value);
                        break;
                    case "kn_eventing_dispatch_duration_seconds_count" when s.Label("messaging_destination_name").StartsWith(
                        "trigger:",
                        StringComparison.Ordinal):
                        Add(sums.Attempts, Trigger(s), s.Value);
                        break;
                    case "kn_eventing_dispatch_duration_seconds_count" when s.Label("messaging_destination_name").StartsWith(
                        "reply:",
                        StringComparison.Ordinal)
                        && s.Label("http_response_status_code").StartsWith('2'):
                        Add(sums.Replies, Broker(s), s.Value);
                        break;
                    case "kn_eventing_dispatch_duration_seconds_bucket":
                        var trigger = Trigger(s);
                        if (!sums.Buckets.TryGetValue(trigger, out var buckets))
                        {
                            sums.Buckets[trigger] = buckets = [];
                        }

                        Add(
                            buckets,
                            s.Label("le") == "+Inf" ? double.PositiveInfinity : double.Parse(s.Label("le"), CultureInfo.InvariantCulture),
                            s.Value);
                        break;
                    case "kn_eventing_backlog":
                        Add(sums.Backlog, (Trigger(s), s.Label("kn_backlog_scope")), s.Value);
                        break;
                    case "kn_eventing_events_invalid_total":
                        Add(sums.Invalid, s.Label("error_type"), s.Value);
                        break;
                }
            }

            return sums;
        }

        private static void Add<TKey>(Dictionary<TKey, double> sums, TKey key, double value)
            where TKey : notnull => sums[key] = sums.GetValueOrDefault(key) + value;

        private static string Broker(ExpositionSample s) => $"{s.Label("kn_broker_namespace")}/{s.Label("kn_broker_name")}";

        private static string Trigger(ExpositionSample s) =>
            $"{s.Label("kn_broker_namespace")}/{s.Label("kn_broker_name")}/{s.Label("kn_trigger_name")}";
    }
}
