using OpenTelemetry.Metrics;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>Each instrument as the OpenTelemetry SDK exports it: name, unit, type, buckets, attributes.</summary>
[Trait("Category", "Unit")]
public sealed class InstrumentContractTests
{
    private static readonly double[] KnativeBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    [Fact]
    public void Ingress_duration_is_a_seconds_histogram_with_knative_buckets_and_the_contract_attributes()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordIngress(MetricsHarness.Broker, "dev.knative.game.score", TimeSpan.FromMilliseconds(30), statusCode: 202);

        var metric = harness.Single("kn.eventing.ingress.duration");

        AssertMatchesCatalogue(metric, KnativeEventingInstruments.IngressDuration, MetricType.Histogram);
        var point = Assert.Single(metric.Points);
        Assert.Equal(KnativeBuckets.Append(double.PositiveInfinity), point.Bounds);
        Assert.Equal(1, point.Count);
        Assert.Equal(0.03, point.Sum, 6);
        Assert.Equal(1, point.BucketCounts[3]); // 0.025 < 0.03 <= 0.05
        Assert.Equal(
            new Dictionary<string, object?>
            {
                [MessagingSystem] = "knative",
                [MessagingOperationName] = "send",
                [MessagingDestinationName] = "broker:default.demo",
                [BrokerName] = "default",
                [BrokerNamespace] = "demo",
                [CloudEventsType] = "dev.knative.game.score",
                [HttpResponseStatusCode] = 202,
            },
            point.Tags);
    }

    [Fact]
    public void Ingress_failure_carries_status_and_error_type_within_eight_attributes()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordIngress(MetricsHarness.Broker, "t", TimeSpan.FromSeconds(2), statusCode: 503, errorType: ErrorTypes.Nack);

        var point = Assert.Single(harness.Single("kn.eventing.ingress.duration").Points);

        Assert.Equal(503, point.Tags[HttpResponseStatusCode]);
        Assert.Equal("nack", point.Tags[ErrorType]);
        Assert.Equal(8, point.Tags.Count);
    }

    [Fact]
    public void A_refused_sender_is_one_measurement_with_its_status_error_type_and_the_refusing_policy()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordIngressRefused(MetricsHarness.Broker, null, TimeSpan.FromMilliseconds(1), 401, ErrorTypes.Unauthenticated);
        harness.Metrics.RecordIngressRefused(MetricsHarness.Broker, "t", TimeSpan.FromMilliseconds(1), 403, ErrorTypes.Forbidden, "scores-only");
        harness.Metrics.RecordIngressRefused(MetricsHarness.Broker, "t", TimeSpan.FromMilliseconds(1), 403, string.Empty); // misuse: reported, not thrown

        var points = harness.Single("kn.eventing.ingress.duration").Points;

        Assert.Equal(2, points.Count);
        var unauthenticated = Assert.Single(points, p => Equals(p.Tags[HttpResponseStatusCode], 401));
        Assert.Equal("unauthenticated", unauthenticated.Tags[ErrorType]);
        Assert.False(unauthenticated.Tags.ContainsKey(EventPolicyName));
        Assert.False(unauthenticated.Tags.ContainsKey(CloudEventsType));
        var forbidden = Assert.Single(points, p => Equals(p.Tags[HttpResponseStatusCode], 403));
        Assert.Equal(("forbidden", "scores-only", 9), ((string?)forbidden.Tags[ErrorType], (string?)forbidden.Tags[EventPolicyName], forbidden.Tags.Count));
    }

    [Fact]
    public void Process_duration_uses_operation_process_and_the_knative_trigger_destination()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordProcess(MetricsHarness.Trigger, "t", TimeSpan.FromMilliseconds(1));

        var metric = harness.Single("kn.eventing.process.duration");

        AssertMatchesCatalogue(metric, KnativeEventingInstruments.ProcessDuration, MetricType.Histogram);
        var point = Assert.Single(metric.Points);
        Assert.Equal(KnativeBuckets.Append(double.PositiveInfinity), point.Bounds);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                [MessagingSystem] = "knative",
                [MessagingOperationName] = "process",
                [MessagingDestinationName] = "trigger:leaderboard.demo",
                [BrokerName] = "default",
                [BrokerNamespace] = "demo",
                [TriggerName] = "leaderboard",
                [CloudEventsType] = "t",
            },
            point.Tags);
    }

    [Fact]
    public void Queue_duration_has_broker_trigger_and_type_and_clamps_negative_skew_to_zero()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordQueueDuration(MetricsHarness.Trigger, "t", TimeSpan.FromMilliseconds(200));
        harness.Metrics.RecordQueueDuration(MetricsHarness.Trigger, "t", TimeSpan.FromMilliseconds(-50));

        var metric = harness.Single("kn.eventing.queue.duration");

        AssertMatchesCatalogue(metric, KnativeEventingInstruments.QueueDuration, MetricType.Histogram);
        var point = Assert.Single(metric.Points);
        Assert.Equal(2, point.Count);
        Assert.Equal(0.2, point.Sum, 6);
        Assert.Equal(1, point.BucketCounts[0]); // the clamped 0
        Assert.Equal(1, point.BucketCounts[6]); // 0.1 < 0.2 <= 0.25
        Assert.Equal(
            new Dictionary<string, object?> { [BrokerName] = "default", [BrokerNamespace] = "demo", [TriggerName] = "leaderboard", [CloudEventsType] = "t" },
            point.Tags);
    }

    [Fact]
    public void Dispatch_attempts_record_duration_per_target_and_track_in_flight()
    {
        using var harness = new MetricsHarness();
        var first = harness.Metrics.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Subscriber, "t");
        var second = harness.Metrics.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Subscriber, "t");
        var third = harness.Metrics.StartDispatch(MetricsHarness.Trigger, DispatchTarget.DeadLetterSink, "t");

        var active = harness.Single("kn.eventing.dispatch.active");
        AssertMatchesCatalogue(active, KnativeEventingInstruments.DispatchActive, MetricType.LongSumNonMonotonic);
        Assert.Equal(3, Assert.Single(active.Points).LongValue);
        Assert.Equal(
            new Dictionary<string, object?> { [BrokerName] = "default", [BrokerNamespace] = "demo", [TriggerName] = "leaderboard" },
            Assert.Single(active.Points).Tags);

        first.Complete(500);
        first.Complete(200); // a second completion is ignored
        second.Fail(new TimeoutException());
        third.Complete(202);

        var collected = harness.Collect();
        Assert.Equal(0, Assert.Single(Assert.Single(collected, m => m.Name == "kn.eventing.dispatch.active").Points).LongValue);
        var dispatch = Assert.Single(collected, m => m.Name == "kn.eventing.dispatch.duration");
        AssertMatchesCatalogue(dispatch, KnativeEventingInstruments.DispatchDuration, MetricType.Histogram);
        Assert.Equal(3, dispatch.Points.Sum(p => p.Count));

        var failedWithStatus = Assert.Single(dispatch.Points, p => Equals(p.Tags.GetValueOrDefault(HttpResponseStatusCode), 500));
        Assert.False(failedWithStatus.Tags.ContainsKey(ErrorType));
        Assert.Equal("trigger:leaderboard.demo", failedWithStatus.Tags[MessagingDestinationName]);
        Assert.Equal(8, failedWithStatus.Tags.Count);

        var timedOut = Assert.Single(dispatch.Points, p => Equals(p.Tags.GetValueOrDefault(ErrorType), "timeout"));
        Assert.False(timedOut.Tags.ContainsKey(HttpResponseStatusCode));

        var deadLetter = Assert.Single(dispatch.Points, p => Equals(p.Tags[MessagingDestinationName], "deadletter:leaderboard.demo"));
        Assert.Equal(202, deadLetter.Tags[HttpResponseStatusCode]);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                [MessagingSystem] = "knative",
                [MessagingOperationName] = "send",
                [MessagingDestinationName] = "deadletter:leaderboard.demo",
                [BrokerName] = "default",
                [BrokerNamespace] = "demo",
                [TriggerName] = "leaderboard",
                [CloudEventsType] = "t",
                [HttpResponseStatusCode] = 202,
            },
            deadLetter.Tags);
        Assert.All(dispatch.Points, p => Assert.Equal(KnativeBuckets.Append(double.PositiveInfinity), p.Bounds));
    }

    [Fact]
    public void Reply_attempts_use_the_reply_destination()
    {
        using var harness = new MetricsHarness();
        var reply = harness.Metrics.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Reply, "t");
        reply.Complete();

        var point = Assert.Single(harness.Single("kn.eventing.dispatch.duration").Points);

        Assert.Equal("reply:leaderboard.demo", point.Tags[MessagingDestinationName]);
        Assert.False(point.Tags.ContainsKey(HttpResponseStatusCode));
        Assert.False(point.Tags.ContainsKey(ErrorType));
    }

    [Theory]
    [InlineData(DeliveryOutcome.Delivered, "delivered")]
    [InlineData(DeliveryOutcome.Filtered, "filtered")]
    [InlineData(DeliveryOutcome.DeadLettered, "dead_lettered")]
    [InlineData(DeliveryOutcome.Dropped, "dropped")]
    public void Deliveries_count_each_final_outcome(DeliveryOutcome outcome, string value)
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordDelivery(MetricsHarness.Trigger, "t", outcome);
        harness.Metrics.RecordDelivery(MetricsHarness.Trigger, "t", outcome);

        var metric = harness.Single("kn.eventing.deliveries");

        AssertMatchesCatalogue(metric, KnativeEventingInstruments.Deliveries, MetricType.LongSum);
        var point = Assert.Single(metric.Points);
        Assert.Equal(2, point.LongValue);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                [BrokerName] = "default",
                [BrokerNamespace] = "demo",
                [TriggerName] = "leaderboard",
                [CloudEventsType] = "t",
                [KnativeAttributes.DeliveryOutcome] = value,
            },
            point.Tags);
    }

    [Theory]
    [InlineData(InvalidEventReason.MissingAttribute, "missing_attribute")]
    [InlineData(InvalidEventReason.InvalidSpecVersion, "invalid_specversion")]
    [InlineData(InvalidEventReason.Malformed, "malformed")]
    [InlineData(InvalidEventReason.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData(InvalidEventReason.TooLarge, "too_large")]
    public void Invalid_events_are_counted_by_reason(InvalidEventReason reason, string value)
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordInvalidEvent(MetricsHarness.Broker, reason);

        var metric = harness.Single("kn.eventing.events.invalid");

        AssertMatchesCatalogue(metric, KnativeEventingInstruments.EventsInvalid, MetricType.LongSum);
        var point = Assert.Single(metric.Points);
        Assert.Equal(1, point.LongValue);
        Assert.Equal(
            new Dictionary<string, object?> { [BrokerName] = "default", [BrokerNamespace] = "demo", [ErrorType] = value },
            point.Tags);
    }

    [Fact]
    public async Task Backlog_gauge_reports_the_value_the_refresher_read()
    {
        using var harness = new MetricsHarness();
        using var registration = harness.Metrics.RegisterBacklogSource(MetricsHarness.Trigger, _ => ValueTask.FromResult(new BacklogReading(42, 3)));
        await harness.Metrics.RefreshBacklogAsync();

        var metric = harness.Single("kn.eventing.backlog");

        AssertMatchesCatalogue(metric, KnativeEventingInstruments.Backlog, MetricType.LongGauge);
        Assert.Equal(2, metric.Points.Count);
        foreach (var (scope, value) in new[] { ("broker", 42L), ("replica", 3L) })
        {
            var point = Assert.Single(metric.Points, p => Equals(p.Tags[KnativeAttributes.BacklogScope], scope));
            Assert.Equal(value, point.LongValue);
            Assert.Equal(
                new Dictionary<string, object?> { [BrokerName] = "default", [BrokerNamespace] = "demo", [TriggerName] = "leaderboard", [KnativeAttributes.BacklogScope] = scope },
                point.Tags);
        }
    }

    [Fact]
    public void Broker_class_is_a_meter_tag_not_a_measurement_attribute()
    {
        using var harness = new MetricsHarness(o => o.BrokerClass = "RabbitMQBroker");
        harness.Metrics.RecordDelivery(MetricsHarness.Trigger, "t", DeliveryOutcome.Delivered);

        var metric = harness.Single("kn.eventing.deliveries");

        Assert.Equal(KnativeEventingMeterNames.Core, metric.MeterName);
        Assert.Equal("RabbitMQBroker", metric.MeterTags[BrokerClass]);
        Assert.DoesNotContain(BrokerClass, Assert.Single(metric.Points).Tags.Keys);
    }

    [Fact]
    public void Every_measurement_carries_at_most_eight_attributes_even_with_every_option_on()
    {
        using var harness = new MetricsHarness(o => o.RecordEventSource = true);
        var m = harness.Metrics;
        m.RecordIngress(MetricsHarness.Broker, "t", TimeSpan.FromSeconds(1), 503, ErrorTypes.Timeout);
        m.RecordProcess(MetricsHarness.Trigger, "t", TimeSpan.FromSeconds(1), "/game/level/1");
        m.RecordQueueDuration(MetricsHarness.Trigger, "t", TimeSpan.FromSeconds(1), "/game/level/1");
        m.RecordDelivery(MetricsHarness.Trigger, "t", DeliveryOutcome.Delivered, "/game/level/1");
        m.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Subscriber, "t").Complete(500);
        m.StartDispatch(MetricsHarness.Trigger, DispatchTarget.Subscriber, "t").Fail(ErrorTypes.ConnectionRefused);
        m.RecordInvalidEvent(MetricsHarness.Broker, InvalidEventReason.Malformed);

        var collected = harness.Collect();

        Assert.Equal(7, collected.Count); // all but the backlog gauge, which has no source
        Assert.All(collected.SelectMany(c => c.Points), p => Assert.InRange(p.Tags.Count, 1, KnativeEventingMetrics.MaxAttributesPerMeasurement));
        foreach (var name in new[] { "kn.eventing.process.duration", "kn.eventing.queue.duration", "kn.eventing.deliveries" })
        {
            Assert.Equal("/game/level/1", Assert.Single(Assert.Single(collected, c => c.Name == name).Points).Tags[CloudEventsSource]);
        }
    }

    [Fact]
    public void Event_source_is_off_by_default()
    {
        using var harness = new MetricsHarness();
        harness.Metrics.RecordDelivery(MetricsHarness.Trigger, "t", DeliveryOutcome.Delivered, "/game/level/1");

        Assert.DoesNotContain(CloudEventsSource, Assert.Single(harness.Single("kn.eventing.deliveries").Points).Tags.Keys);
    }

    private static void AssertMatchesCatalogue(CollectedMetric metric, InstrumentDescriptor expected, MetricType type)
    {
        Assert.Equal(expected.Name, metric.Name);
        Assert.Equal(expected.Unit, metric.Unit);
        Assert.Equal(expected.Description, metric.Description);
        Assert.False(string.IsNullOrWhiteSpace(metric.Description));
        Assert.Equal(type, metric.Type);
        Assert.Equal(KnativeEventingMeterNames.Core, metric.MeterName);
        Assert.All(metric.Points, p => Assert.Subset(expected.Attributes.Concat(expected.OptInAttributes).ToHashSet(), p.Tags.Keys.ToHashSet()));
    }
}
