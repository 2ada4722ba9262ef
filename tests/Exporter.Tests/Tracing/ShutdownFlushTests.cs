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
        await using var exporter = await ExporterBuildOutput.StartListeningAsync(
            [
                "--ingress-url", $"http://127.0.0.1:{ports[0]}", "--metrics-url", $"http://127.0.0.1:{ports[1]}", "--players", "0",
                .. TracedTrigger.Args(subscriber.Url),
            ],
            new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = $"{receiver.Endpoint.TrimEnd('/')}/v1/traces",
                ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "600000",
            });
        using var http = new HttpClient();
        var (request, traceId, _) = TracedTrigger.Event($"http://127.0.0.1:{ports[0]}", "last-1");
        using var sent = request;
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
