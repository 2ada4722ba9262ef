using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Trace;

namespace Knative.Eventing.Metrics.Tests.Tracing;

/// <summary>
/// The spans of one event through a trigger, read through a real TracerProvider: names, kinds, parents and attributes as
/// docs/tracing.md and OpenTelemetry's messaging conventions (v1.44) say.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SpanTests
{
    private static readonly ActivityContext Sender = new(
        ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"),
        ActivitySpanId.CreateFromString("00f067aa0ba902b7"),
        ActivityTraceFlags.Recorded,
        "vendor=a",
        isRemote: true);

    [Fact]
    public void A_retried_event_gives_one_process_span_and_one_client_span_per_attempt_all_in_the_senders_trace()
    {
        using var tracing = new TracingHarness();
        using var harness = new MetricsHarness();
        var scope = harness.Metrics.BeginDelivery(
            MetricsHarness.Trigger, "game.score", null, "/game", new DeliveryTrace(new PropagationContext(Sender, default), "e-1", "alice"));

        scope.RecordFilterDecision();
        scope.StartAttempt(DispatchTarget.Subscriber).Complete(503);
        scope.StartAttempt(DispatchTarget.Subscriber).Fail(ErrorTypes.Timeout);
        scope.StartAttempt(DispatchTarget.DeadLetterSink).Complete(202);
        scope.Complete(DeliveryOutcome.DeadLettered);

        Assert.Equal(4, tracing.Spans.Count);
        var process = tracing.Single("process trigger:leaderboard.demo");
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(Sender.TraceId, process.TraceId);
        Assert.Equal(Sender.SpanId, process.ParentSpanId);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["messaging.system"] = "knative",
                ["messaging.operation.name"] = "process",
                ["messaging.operation.type"] = "process",
                ["messaging.destination.name"] = "trigger:leaderboard.demo",
                ["kn.broker.name"] = "default",
                ["kn.broker.namespace"] = "demo",
                ["kn.trigger.name"] = "leaderboard",
                ["cloudevents.event_id"] = "e-1",
                ["cloudevents.event_type"] = "game.score",
                ["cloudevents.event_source"] = "/game",
                ["cloudevents.event_subject"] = "alice",
                ["kn.delivery.outcome"] = "dead_lettered",
            },
            process.TagObjects.ToDictionary(t => t.Key, t => t.Value));
        Assert.Equal(ActivityStatusCode.Unset, process.Status);

        var attempts = tracing.Spans.Where(s => s.DisplayName == "send trigger:leaderboard.demo").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a =>
        {
            Assert.Equal(ActivityKind.Client, a.Kind);
            Assert.Equal(process.SpanId, a.ParentSpanId);
            Assert.Equal(ActivityStatusCode.Error, a.Status);
        });
        Assert.Equal(503, attempts[0].GetTagItem("http.response.status_code"));
        Assert.Equal("503", attempts[0].GetTagItem("error.type"));
        Assert.Null(attempts[0].GetTagItem("http.request.resend_count"));
        Assert.Null(attempts[1].GetTagItem("http.response.status_code"));
        Assert.Equal(ErrorTypes.Timeout, attempts[1].GetTagItem("error.type"));
        Assert.Equal(1, attempts[1].GetTagItem("http.request.resend_count"));

        var deadLetter = tracing.Single("send deadletter:leaderboard.demo");
        Assert.Equal(ActivityStatusCode.Unset, deadLetter.Status);
        Assert.Equal(202, deadLetter.GetTagItem("http.response.status_code"));
        Assert.Null(deadLetter.GetTagItem("error.type"));
        Assert.Null(Activity.Current);
    }

    [Fact]
    public void A_dropped_event_ends_its_process_span_with_an_error_and_an_abandoned_one_without_an_outcome()
    {
        using var tracing = new TracingHarness();
        using var harness = new MetricsHarness();
        var dropped = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", null, null, default);
        dropped.Complete(DeliveryOutcome.Dropped);
        var abandoned = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", null, null, default);
        abandoned.Abandon(ErrorTypes.Timeout);
        abandoned.Abandon(ErrorTypes.Other);

        Assert.Equal(2, tracing.Spans.Count);
        Assert.Equal(ActivityStatusCode.Error, tracing.Spans[0].Status);
        Assert.Equal("dropped", tracing.Spans[0].GetTagItem("kn.delivery.outcome"));
        Assert.Equal(ActivityStatusCode.Error, tracing.Spans[1].Status);
        Assert.Equal(ErrorTypes.Timeout, tracing.Spans[1].GetTagItem("error.type"));
        Assert.Null(tracing.Spans[1].GetTagItem("kn.delivery.outcome"));
        Assert.Null(abandoned.Outcome);
        Assert.Equal(1, harness.Single("kn.eventing.deliveries").Total()); // the dropped one; the abandoned one has no outcome

        // Without a parent each event starts its own trace, never a child of whatever is current.
        Assert.NotEqual(tracing.Spans[0].TraceId, tracing.Spans[1].TraceId);
        Assert.Equal(default, tracing.Spans[0].ParentSpanId);
    }

    [Fact]
    public void A_subscriber_request_continues_the_attempt_span_and_carries_the_baggage()
    {
        using var tracing = new TracingHarness();
        using var harness = new MetricsHarness();
        var baggage = Baggage.Create(new Dictionary<string, string> { ["player"] = "alice" });
        var scope = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", null, null, new DeliveryTrace(new PropagationContext(Sender, baggage), null, null));
        var attempt = scope.StartAttempt(DispatchTarget.Subscriber);
        var headers = new Dictionary<string, string>();
        attempt.InjectTraceContext(headers, static (h, k, v) => h[k] = v);
        attempt.Complete(200);

        Assert.Equal($"00-{Sender.TraceId}-{attempt.Activity!.SpanId}-01", headers["traceparent"]);
        Assert.Equal("vendor=a", headers["tracestate"]);
        Assert.Equal("player=alice", headers["baggage"]);
    }

    [Fact]
    public void With_tracing_off_no_span_is_made_and_the_subscriber_still_continues_the_senders_context()
    {
        using var harness = new MetricsHarness();
        var scope = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", null, null, new DeliveryTrace(new PropagationContext(Sender, default), null, null));
        var attempt = scope.StartAttempt(DispatchTarget.Subscriber);
        var headers = new Dictionary<string, string>();
        attempt.InjectTraceContext(headers, static (h, k, v) => h[k] = v);
        attempt.Complete(200);
        scope.Complete(DeliveryOutcome.Delivered);

        Assert.Null(scope.Activity);
        Assert.Null(attempt.Activity);
        Assert.Equal($"00-{Sender.TraceId}-{Sender.SpanId}-01", headers["traceparent"]);
    }

    [Fact]
    public void A_sampled_out_event_makes_spans_that_record_nothing_and_sends_the_not_sampled_flag_on()
    {
        using var tracing = new TracingHarness(new ParentBasedSampler(new AlwaysOnSampler()));
        using var harness = new MetricsHarness();
        var notSampled = new ActivityContext(Sender.TraceId, Sender.SpanId, ActivityTraceFlags.None, null, isRemote: true);
        var scope = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", null, null, new DeliveryTrace(new PropagationContext(notSampled, default), null, null));
        var attempt = scope.StartAttempt(DispatchTarget.Subscriber);
        var headers = new Dictionary<string, string>();
        attempt.InjectTraceContext(headers, static (h, k, v) => h[k] = v);
        attempt.Complete(200);
        scope.Complete(DeliveryOutcome.Delivered);

        Assert.Empty(tracing.Spans);
        Assert.EndsWith("-00", headers["traceparent"]);
        Assert.StartsWith($"00-{Sender.TraceId}-", headers["traceparent"]);
    }

    [Fact]
    public void Ingress_and_publish_spans_nest_and_the_published_context_is_the_publish_span()
    {
        using var tracing = new TracingHarness();
        Dictionary<string, string> message = [];
        using (var ingress = KnativeEventingTracing.StartIngress(MetricsHarness.Broker, new PropagationContext(Sender, default), 3))
        {
            using (KnativeEventingTracing.StartPublish(MetricsHarness.Broker, "e-1", "t", "/s", null))
            {
                KnativeEventingTracing.Inject(KnativeEventingTracing.Current(), message, static (h, k, v) => h[k] = v);
            }

            Assert.Same(ingress, Activity.Current);
            KnativeEventingTracing.SetResult(ingress, 202);
        }

        var server = tracing.Single("send broker:default.demo");
        var producer = tracing.Single("publish broker:default.demo");
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal(Sender.SpanId, server.ParentSpanId);
        Assert.Equal(3, server.GetTagItem("messaging.batch.message_count"));
        Assert.Equal(202, server.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityKind.Producer, producer.Kind);
        Assert.Equal(server.SpanId, producer.ParentSpanId);
        Assert.Equal("e-1", producer.GetTagItem("cloudevents.event_id"));
        Assert.Equal($"00-{Sender.TraceId}-{producer.SpanId}-01", message["traceparent"]);

        var read = KnativeEventingTracing.Extract(message, static (h, k) => h.TryGetValue(k, out var v) ? [v] : null);
        Assert.Equal(producer.SpanId, read.ActivityContext.SpanId);
        Assert.Null(Activity.Current);
    }
}
