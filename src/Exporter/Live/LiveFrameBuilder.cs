using System.Globalization;

namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>
/// Turns scrapes of the exporter's own <c>/metrics</c> into frames: totals are the scrape's values (summed over
/// the labels a row does not show), rates and dispatch-latency quantiles come from the difference with the
/// scrape about <see cref="Window"/> earlier, as Prometheus's <c>rate</c> and <c>histogram_quantile</c> would.
/// </summary>
internal sealed class LiveFrameBuilder
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Queue<(DateTimeOffset At, List<ExpositionSample> Samples)> _history = new();

    /// <summary>A frame from a scrape; with <paramref name="record"/> the scrape joins the window later frames' rates use.</summary>
    public LiveFrame Build(DateTimeOffset at, List<ExpositionSample> samples, string backend, IReadOnlyList<LivePlayer> leaderboard, bool record = true)
    {
        if (record)
        {
            _history.Enqueue((at, samples));
        }

        // Scrapes older than the window go (all of them after a while with no page open: no rate over an hour).
        while (_history.Count > (record ? 1 : 0) && at - _history.Peek().At > Window)
        {
            _history.Dequeue();
        }

        var (then, old) = _history.Count > 0 ? _history.Peek() : (at, samples);
        var seconds = Math.Max((at - then).TotalSeconds, 1e-9);
        double Rate(double now, double before) => old == samples ? 0 : Math.Max(0, now - before) / seconds;

        var ingress = Totals(samples, "kn_eventing_ingress_duration_seconds_count", Broker, s => s.Label("http_response_status_code").StartsWith('2') ? "accepted" : "rejected");
        var ingressBefore = Totals(old, "kn_eventing_ingress_duration_seconds_count", Broker, s => s.Label("http_response_status_code").StartsWith('2') ? "accepted" : "rejected");
        var brokers = ingress.Keys.Select(k => k.Row).Distinct().Order(StringComparer.Ordinal).Select(b => new LiveBroker(
            b,
            Get(ingress, b, "accepted"),
            Get(ingress, b, "rejected"),
            Rate(Get(ingress, b, "accepted"), Get(ingressBefore, b, "accepted")),
            Rate(Get(ingress, b, "rejected"), Get(ingressBefore, b, "rejected")))).ToList();

        var outcomes = Totals(samples, "kn_eventing_deliveries_total", Trigger, s => s.Label("kn_delivery_outcome"));
        var outcomesBefore = Totals(old, "kn_eventing_deliveries_total", Trigger, s => s.Label("kn_delivery_outcome"));
        var attempts = Totals(samples, "kn_eventing_dispatch_duration_seconds_count", Trigger, s => s.Label("messaging_destination_name").StartsWith("trigger:", StringComparison.Ordinal) ? "attempts" : "other");
        var attemptsBefore = Totals(old, "kn_eventing_dispatch_duration_seconds_count", Trigger, s => s.Label("messaging_destination_name").StartsWith("trigger:", StringComparison.Ordinal) ? "attempts" : "other");
        var backlog = Totals(samples, "kn_eventing_backlog", Trigger, s => s.Label("kn_backlog_scope"));
        var triggers = outcomes.Keys.Select(k => k.Row).Concat(backlog.Keys.Select(k => k.Row)).Distinct().Order(StringComparer.Ordinal).Select(t =>
        {
            double Retried(Dictionary<(string, string), double> a, Dictionary<(string, string), double> o) =>
                Math.Max(0, Get(a, t, "attempts") - (Get(o, t, "delivered") + Get(o, t, "dead_lettered") + Get(o, t, "dropped")));
            var (p50, p99) = Quantiles(samples, old, t);
            return new LiveTrigger(
                t,
                Get(outcomes, t, "delivered"),
                Get(outcomes, t, "filtered"),
                Get(outcomes, t, "dead_lettered"),
                Get(outcomes, t, "dropped"),
                Retried(attempts, outcomes),
                Rate(Get(outcomes, t, "delivered"), Get(outcomesBefore, t, "delivered")),
                Rate(Get(outcomes, t, "filtered"), Get(outcomesBefore, t, "filtered")),
                Rate(Retried(attempts, outcomes), Retried(attemptsBefore, outcomesBefore)),
                Rate(Get(outcomes, t, "dead_lettered"), Get(outcomesBefore, t, "dead_lettered")),
                p50,
                p99,
                Get(backlog, t, "broker") + Get(backlog, t, "replica"));
        }).ToList();

        var invalid = Totals(samples, "kn_eventing_events_invalid_total", _ => string.Empty, s => s.Label("error_type"));
        var invalidBefore = Totals(old, "kn_eventing_events_invalid_total", _ => string.Empty, s => s.Label("error_type"));
        var reasons = invalid.Keys.Select(k => new LiveInvalid(k.Column, invalid[k], Rate(invalid[k], invalidBefore.GetValueOrDefault(k)))).OrderBy(r => r.Reason, StringComparer.Ordinal).ToList();
        return new LiveFrame(at, backend, brokers, triggers, reasons, leaderboard);
    }

    private static string Broker(ExpositionSample s) => $"{s.Label("kn_broker_namespace")}/{s.Label("kn_broker_name")}";

    private static string Trigger(ExpositionSample s) => $"{s.Label("kn_broker_namespace")}/{s.Label("kn_broker_name")}/{s.Label("kn_trigger_name")}";

    private static double Get(Dictionary<(string Row, string Column), double> totals, string row, string column) => totals.GetValueOrDefault((row, column));

    private static Dictionary<(string Row, string Column), double> Totals(List<ExpositionSample> samples, string name, Func<ExpositionSample, string> row, Func<ExpositionSample, string> column)
    {
        var totals = new Dictionary<(string, string), double>();
        foreach (var sample in samples.Where(s => s.Name == name))
        {
            var key = (row(sample), column(sample));
            totals[key] = totals.GetValueOrDefault(key) + sample.Value;
        }

        return totals;
    }

    /// <summary>p50 and p99 of the trigger's dispatch attempts in the window, interpolated within buckets as <c>histogram_quantile</c> does.</summary>
    private static (double? P50, double? P99) Quantiles(List<ExpositionSample> now, List<ExpositionSample> before, string trigger)
    {
        static Dictionary<double, double> Buckets(List<ExpositionSample> samples, string trigger)
        {
            var buckets = new Dictionary<double, double>();
            foreach (var s in samples.Where(s => s.Name == "kn_eventing_dispatch_duration_seconds_bucket" && Trigger(s) == trigger))
            {
                var le = s.Label("le") == "+Inf" ? double.PositiveInfinity : double.Parse(s.Label("le"), CultureInfo.InvariantCulture);
                buckets[le] = buckets.GetValueOrDefault(le) + s.Value;
            }

            return buckets;
        }

        var current = Buckets(now, trigger);
        var earlier = ReferenceEquals(now, before) ? [] : Buckets(before, trigger);
        var deltas = current.OrderBy(b => b.Key).Select(b => (Le: b.Key, Count: Math.Max(0, b.Value - earlier.GetValueOrDefault(b.Key)))).ToList();
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
}
