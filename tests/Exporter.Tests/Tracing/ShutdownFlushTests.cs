using System.Diagnostics;
using System.Net;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Tracing;

/// <summary>
/// Spans still in the batch when the exporter is stopped (SIGTERM) are exported before it exits: the batch delay is ten minutes,
/// so only the flush on shutdown can deliver them. Traces-only OTLP through the signal's own environment variables.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ShutdownFlushTests
{
    [Fact]
    public async Task Sigterm_flushes_the_spans_of_the_last_events()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var subscriber = await CountingSubscriber.StartAsync();
        var ports = FreePorts.Take(2);
        var key = "--Broker:Triggers:8:";
        await using var exporter = await ExporterBuildOutput.StartListeningAsync(
            [
                "--ingress-url", $"http://127.0.0.1:{ports[0]}", "--metrics-url", $"http://127.0.0.1:{ports[1]}", "--players", "0",
                key + "Name", "traced", key + "Namespace", "demo", key + "Broker", "default",
                key + "Filter:Attributes:type", "trace.test", key + "Subscriber", subscriber.Url,
            ],
            new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = $"{receiver.Endpoint.TrimEnd('/')}/v1/traces",
                ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "600000",
            });
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var http = new HttpClient();
        using var request = BinaryCloudEvent.Post($"http://127.0.0.1:{ports[0]}/demo/default", "last-1", "trace.test", "/trace", "{}"u8.ToArray());
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using (var accepted = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await subscriber.NextArrivalAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(receiver.Spans); // the batch waits ten minutes

        var exitCode = await exporter.StopAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, $"exit code {exitCode}. Output:\n{exporter.Output}");
        var trace = receiver.Spans.Where(s => s.TraceId == traceId).Select(s => s.Name).ToList();
        Assert.Contains("send broker:default.demo", trace);
        Assert.Contains("publish broker:default.demo", trace);
        Assert.Contains("process trigger:traced.demo", trace);
        Assert.Contains("send trigger:traced.demo", trace);
    }
}
