using System.Net;
using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Tracing;

/// <summary>
/// One event with the sender's <c>traceparent</c>, a subscriber that fails the first attempt: a real OTLP/HTTP receiver gets
/// every hop's span in the sender's trace (ingress SERVER → publish PRODUCER → process CONSUMER → one CLIENT span per
/// attempt), and each request the subscriber got continues the attempt's span. The same on every backend (docs/tracing.md).
/// </summary>
public abstract class TraceFlowTests
{
    private const string Trigger = TracedTrigger.Name;

    /// <summary>The exporter arguments that select the backend, with a prefix of this test's own.</summary>
    protected abstract string[] BackendArgs(string prefix);

    [Fact]
    public async Task One_trace_runs_from_the_sender_through_every_hop_to_the_subscriber_across_a_failed_first_attempt()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var subscriber = await CountingSubscriber.StartAsync();
        subscriber.RecordTraceParents = true;
        subscriber.FailFirstAttempts = 1;
        await using var exporter = await RunningExporter.StartAsync(
        [
            "--players", "0",
            .. BackendArgs($"kem{Guid.NewGuid():N}"[..12]),
            .. TracedTrigger.Args(subscriber.Url, ("Retry", "2"), ("BackoffDelay", "PT0.01S")),
            "--OTEL_EXPORTER_OTLP_ENDPOINT", receiver.Endpoint,
            "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
            "--OTEL_BSP_SCHEDULE_DELAY", "100",
        ]);
        var (request, traceId, senderSpanId) = TracedTrigger.Event(exporter.IngressUrl, "traced-1");
        using (request)
        using (var accepted = await exporter.Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var spans = await receiver.WaitForSpansAsync(
            s => s.Any(x => x.Name == $"process trigger:{Trigger}.demo" && x.TraceId == traceId)
                && s.Any(x => x.Name == "send broker:default.demo" && x.TraceId == traceId)
                && s.Any(x => x.Name == "publish broker:default.demo" && x.TraceId == traceId)
                && s.Count(x => x.Name == $"send trigger:{Trigger}.demo" && x.TraceId == traceId) == 2,
            TimeSpan.FromSeconds(30));
        var trace = spans.Where(s => s.TraceId == traceId).ToList();

        var server = Assert.Single(trace, s => s.Name == "send broker:default.demo");
        Assert.Equal((OtlpSpan.Server, senderSpanId, 202L), (server.Kind, server.ParentSpanId, server["http.response.status_code"]));
        Assert.Equal("traced-1", server["cloudevents.event_id"]);
        var producer = Assert.Single(trace, s => s.Name == "publish broker:default.demo");
        Assert.Equal((OtlpSpan.Producer, server.SpanId), (producer.Kind, producer.ParentSpanId));
        var process = Assert.Single(trace, s => s.Name == $"process trigger:{Trigger}.demo");
        Assert.Equal((OtlpSpan.Consumer, producer.SpanId, "delivered"), (process.Kind, process.ParentSpanId, process["kn.delivery.outcome"]));
        Assert.Equal(("knative", "process", "traced-1", "trace.test"), (
            process["messaging.system"], process["messaging.operation.type"], process["cloudevents.event_id"], process["cloudevents.event_type"]));
        var attempts = trace.Where(s => s.Name == $"send trigger:{Trigger}.demo").ToList();
        Assert.All(attempts, a => Assert.Equal((OtlpSpan.Client, process.SpanId), (a.Kind, a.ParentSpanId)));
        var failed = Assert.Single(attempts, a => a.StatusCode == 2);
        Assert.Equal((503L, "503", null), (failed["http.response.status_code"], failed["error.type"], failed["http.request.resend_count"]));
        var retried = Assert.Single(attempts, a => a.StatusCode == 0);
        Assert.Equal((200L, 1L), (retried["http.response.status_code"], retried["http.request.resend_count"]));

        // Every other trigger of the broker filtered it, each in its own process span of the same trace.
        Assert.All(
            trace.Where(s => s.Kind == OtlpSpan.Consumer && s != process),
            s => Assert.Equal((producer.SpanId, "filtered"), (s.ParentSpanId, s["kn.delivery.outcome"])));

        // The subscriber's requests continue the attempts' spans: failed first, then the retry.
        Assert.Equal(
            [$"00-{traceId}-{failed.SpanId}-01", $"00-{traceId}-{retried.SpanId}-01"],
            subscriber.TraceParentsOf("traced-1"));
    }
}

/// <summary>On the embedded backend.</summary>
[Trait("Category", "Unit")]
public sealed class EmbeddedTraceFlowTests : TraceFlowTests
{
    protected override string[] BackendArgs(string prefix) => [];
}

/// <summary>On RabbitMQ: the context travels in the AMQP headers.</summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQTraceFlowTests(RabbitMQFixture fixture) : TraceFlowTests
{
    protected override string[] BackendArgs(string prefix) =>
        ["--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix];
}

/// <summary>On Kafka: the context travels in the record headers.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaTraceFlowTests(KafkaFixture fixture) : TraceFlowTests
{
    protected override string[] BackendArgs(string prefix) =>
        ["--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", prefix];
}
