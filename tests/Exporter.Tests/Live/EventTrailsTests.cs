using System.Diagnostics;
using Knative.Eventing.Metrics.Exporter.Live.Trails;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Trace;

namespace Knative.Eventing.Metrics.Exporter.Tests.Live;

/// <summary>
/// The live view's memory of recent events: real spans from the library through a real TracerProvider into
/// <see cref="EventTrails"/>; bounded in traces and in steps per trace, the oldest forgotten first, ids checked.
/// </summary>
[Trait("Category", "Unit")]
public sealed class EventTrailsTests
{
    private static readonly BrokerRef Broker = new("demo", "default");
    private static readonly TriggerRef Trigger = new(Broker, "traced");

    [Fact]
    public void An_events_trail_has_every_hop_in_order_with_its_result()
    {
        var trails = new EventTrails(10);
        using (Provider(trails))
        {
            Deliver("e-1", fail: 1);
        }

        var trail = Assert.Single(trails.ForEvent("e-1"));
        Assert.Equal(
            ["ingress", "publish", "process", "attempt", "attempt"],
            trail.Steps.Select(s => s.Hop));
        Assert.Equal([null, null, "delivered", null, null], trail.Steps.Select(s => s.Outcome));
        Assert.Equal([202, null, null, 503, 200], trail.Steps.Select(s => s.StatusCode));
        Assert.Equal([null, null, null, null, 1], trail.Steps.Select(s => s.Resend));
        Assert.True(trail.Failed); // the first attempt failed
        Assert.Equal(["e-1"], trail.EventIds);
        Assert.Equal("trace.test", trail.EventType);
        Assert.Equal(0, trail.Steps[0].StartMs);
        Assert.All(trail.Steps, s => Assert.InRange(s.StartMs + s.DurationMs, 0, trail.DurationMs + 0.01) /* DateTime ticks: 100 ns */);
        Assert.Equal(trail.Steps.Select(s => s.SpanId), trails.ForTrace(trail.TraceId)!.Steps.Select(s => s.SpanId));
        Assert.Equal(trail.TraceId, trails.Recent(5).Failed.Single().TraceId);
    }

    [Fact]
    public void The_oldest_traces_are_forgotten_beyond_the_capacity_and_long_traces_are_cut()
    {
        var trails = new EventTrails(capacity: 3, stepsPerTrail: 4);
        using (Provider(trails))
        {
            for (var n = 0; n < 5; n++)
            {
                Deliver($"e-{n}", fail: 0);
            }

            Deliver("long", fail: 2);
        }

        Assert.Equal(3, trails.Count);
        Assert.Empty(trails.ForEvent("e-0"));
        Assert.Empty(trails.ForEvent("e-2"));
        Assert.Single(trails.ForEvent("e-4"));
        var cut = Assert.Single(trails.ForEvent("long"));
        Assert.Equal(4, cut.Steps.Count);
        Assert.Equal(2, cut.StepsOmitted); // 6 spans: ingress, publish, process, 3 attempts
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-trace")]
    [InlineData("4BF92F3577B34DA6A3CE929D0E0E4736")]
    [InlineData("00000000000000000000000000000000")]
    public void A_trace_id_that_is_not_kept_or_not_valid_finds_nothing(string traceId)
    {
        var trails = new EventTrails(10);
        Assert.Null(trails.ForTrace(traceId));
    }

    [Fact]
    public void Nothing_is_kept_with_a_capacity_of_zero()
    {
        var trails = new EventTrails(0);
        using (Provider(trails))
        {
            Deliver("e-1", fail: 0);
        }

        Assert.Equal(0, trails.Count);
    }

    private static TracerProvider Provider(EventTrails trails) =>
        Sdk.CreateTracerProviderBuilder().AddKnativeEventingInstrumentation().AddProcessor(new TrailRecorder(trails)).Build()!;

    /// <summary>One event through the library's spans: ingress, publish, then a delivery whose first <paramref name="fail"/> attempts answer 503.</summary>
    private static void Deliver(string id, int fail)
    {
        using var metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions(), null);
        PropagationContext published;
        using (var ingress = KnativeEventingTracing.StartIngress(Broker, default))
        {
            KnativeEventingTracing.AddEventAttributes(ingress, id, "trace.test", "/t", null);
            using (KnativeEventingTracing.StartPublish(Broker, id, "trace.test", "/t", null))
            {
                published = KnativeEventingTracing.Current();
            }

            KnativeEventingTracing.SetResult(ingress, 202);
        }

        var scope = metrics.BeginDelivery(Trigger, "trace.test", null, "/t", new DeliveryTrace(published, id, null));
        scope.RecordFilterDecision();
        for (var n = 0; n < fail; n++)
        {
            scope.StartAttempt(DispatchTarget.Subscriber).Complete(503);
        }

        scope.StartAttempt(DispatchTarget.Subscriber).Complete(200);
        scope.Complete(DeliveryOutcome.Delivered);
        Assert.Null(Activity.Current);
    }
}
