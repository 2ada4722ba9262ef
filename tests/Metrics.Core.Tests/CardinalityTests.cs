using OpenTelemetry.Metrics;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>User-controlled attribute values stay bounded.</summary>
[Trait("Category", "Unit")]
public sealed class CardinalityTests
{
    [Fact]
    public void One_hundred_thousand_event_types_yield_at_most_max_plus_one_series_per_instrument()
    {
        using var harness = new MetricsHarness(); // MaxEventTypes = 50
        var m = harness.Metrics;
        for (var i = 0; i < 100_000; i++)
        {
            var type = $"dev.attack.type.{i}";
            m.RecordDelivery(MetricsHarness.Trigger, type, DeliveryOutcome.Delivered);
            m.RecordIngress(MetricsHarness.Broker, type, TimeSpan.FromMilliseconds(1), 202);
            m.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Subscriber, type).Complete(200);
        }

        var collected = harness.Collect();

        foreach (var name in new[] { "kn.eventing.deliveries", "kn.eventing.ingress.duration", "kn.eventing.dispatch.duration" })
        {
            var metric = Assert.Single(collected, c => c.Name == name);
            Assert.Equal(51, metric.Points.Count);
            var types = metric.Points.Select(p => (string)p.Tags[CloudEventsType]!).ToHashSet();
            Assert.Contains(CardinalityGuard.OtherValue, types);
            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"dev.attack.type.{i}").Append("_other").ToHashSet(), types);
        }

        var deliveries = Assert.Single(collected, c => c.Name == "kn.eventing.deliveries");
        Assert.Equal(100_000, deliveries.Points.Sum(p => p.LongValue));
        Assert.Equal(100_000 - 50, Assert.Single(deliveries.Points, p => Equals(p.Tags[CloudEventsType], "_other")).LongValue);
        Assert.Equal(50, m.EventTypes.Count);
    }

    [Fact]
    public void Memory_stays_bounded_while_distinct_event_types_keep_arriving()
    {
        using var harness = new MetricsHarness();
        var m = harness.Metrics;
        void Attack(int from)
        {
            for (var i = from; i < from + 100_000; i++)
            {
                m.RecordDelivery(MetricsHarness.Trigger, $"dev.attack.type.{i}", DeliveryOutcome.Delivered);
            }
        }

        Attack(0);
        harness.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        Attack(100_000);
        Attack(200_000);
        harness.Collect();
        var after = GC.GetTotalMemory(forceFullCollection: true);

        // 200,000 more distinct values retained one by one would cost well over 10 MB.
        Assert.InRange(after - before, long.MinValue, 1_000_000);
        Assert.Equal(50, m.EventTypes.Count);
        Assert.Equal(300_000 - 50, m.EventTypes.Rejected);
    }

    [Fact]
    public void An_allow_list_replaces_the_limit()
    {
        using var harness = new MetricsHarness(o =>
        {
            o.AllowedEventTypes.Add("dev.knative.game.score");
            o.AllowedEventTypes.Add("dev.knative.game.start");
        });
        harness.Metrics.RecordDelivery(MetricsHarness.Trigger, "dev.knative.game.score", DeliveryOutcome.Delivered);
        harness.Metrics.RecordDelivery(MetricsHarness.Trigger, "first.but.not.allowed", DeliveryOutcome.Delivered);

        var types = harness.Single("kn.eventing.deliveries").Points.Select(p => p.Tags[CloudEventsType]).ToHashSet();

        Assert.Equal(new HashSet<object?> { "dev.knative.game.score", "_other" }, types);
    }

    [Fact]
    public void Overlong_values_become_other()
    {
        var guard = new CardinalityGuard(10, 16);

        Assert.Equal("_other", guard.Bound(new string('x', 17)));
        Assert.Equal(new string('x', 16), guard.Bound(new string('x', 16)));
        Assert.Equal(1, guard.Count);
    }

    [Fact]
    public void Event_sources_are_bounded_by_their_own_limit()
    {
        using var harness = new MetricsHarness(o =>
        {
            o.RecordEventSource = true;
            o.MaxEventSources = 3;
        });
        for (var i = 0; i < 1000; i++)
        {
            harness.Metrics.RecordDelivery(MetricsHarness.Trigger, "t", DeliveryOutcome.Delivered, $"/source/{i}");
        }

        var sources = harness.Single("kn.eventing.deliveries").Points.Select(p => p.Tags[CloudEventsSource]).ToHashSet();

        Assert.Equal(new HashSet<object?> { "/source/0", "/source/1", "/source/2", "_other" }, sources);
    }

    [Fact]
    public async Task Concurrent_admission_never_exceeds_the_limit()
    {
        var guard = new CardinalityGuard(50, 256);
        var workers = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                guard.Bound($"{t}-{i}");
            }
        }));
        await Task.WhenAll(workers);

        Assert.Equal(50, guard.Count);
        Assert.Equal(80_000 - 50, guard.Rejected);
    }
}

/// <summary>The SDK-side series limit that AddKnativeEventingInstrumentation sets for kn.eventing.* instruments.</summary>
[Trait("Category", "Unit")]
public sealed class SeriesLimitTests
{
    [Fact]
    public void Five_thousand_triggers_keep_their_own_series_where_the_sdk_default_would_fold_them()
    {
        using var harness = new MetricsHarness();
        for (var i = 0; i < 5_000; i++)
        {
            harness.Metrics.RecordDelivery(new TriggerRef(MetricsHarness.Broker, $"t{i}"), "t", DeliveryOutcome.Delivered);
        }

        var deliveries = harness.Single("kn.eventing.deliveries");

        Assert.Equal(5_000, deliveries.Points.Count);
        Assert.DoesNotContain(deliveries.Points, p => p.Tags.ContainsKey("otel.metric.overflow"));
    }

    [Fact]
    public void A_lower_limit_can_be_chosen()
    {
        var exported = new List<OpenTelemetry.Metrics.Metric>();
        using var provider = OpenTelemetry.Sdk.CreateMeterProviderBuilder()
            .AddKnativeEventingInstrumentation(cardinalityLimit: 100)
            .AddInMemoryExporter(exported)
            .Build();
        using var metrics = new KnativeEventingMetrics();
        for (var i = 0; i < 500; i++)
        {
            metrics.RecordDelivery(new TriggerRef(MetricsHarness.Broker, $"t{i}"), "t", DeliveryOutcome.Delivered);
        }

        provider.ForceFlush();
        var points = new List<IReadOnlyList<KeyValuePair<string, object?>>>();
        foreach (ref readonly var point in exported.Single(m => m.Name == "kn.eventing.deliveries").GetMetricPoints())
        {
            var tags = new List<KeyValuePair<string, object?>>();
            foreach (var tag in point.Tags)
            {
                tags.Add(tag);
            }

            points.Add(tags);
        }

        Assert.Equal(101, points.Count); // 100 series + the SDK's overflow series
        Assert.Single(points, p => p.Any(t => t.Key == "otel.metric.overflow"));
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddKnativeEventingInstrumentation(0));
    }
}
