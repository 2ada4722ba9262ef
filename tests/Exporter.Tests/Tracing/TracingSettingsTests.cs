using System.Net;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Tracing;

/// <summary>
/// OpenTelemetry's own settings, given as <c>--OTEL_*</c> (environment variables work the same): the sampler decides what is
/// recorded and the context still reaches the subscriber; with the SDK disabled no span is made and the subscriber gets the
/// sender's context unchanged.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TracingSettingsTests
{
    [Theory]
    [InlineData("OTEL_TRACES_SAMPLER", "always_off", false)]
    [InlineData("OTEL_SDK_DISABLED", "true", true)]
    [InlineData("Exporter:Tracing", "false", true)]
    public async Task The_subscriber_continues_the_senders_trace_whatever_is_recorded(string setting, string value, bool passedOnAsIs)
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        subscriber.RecordTraceParents = true;
        // Its own process: ActivityListeners are process-wide, so no other test's exporter may take part in this one's spans.
        var ports = FreePorts.Take(2);
        await using var exporter = await ExporterBuildOutput.StartListeningAsync(
        [
            "--ingress-url", $"http://127.0.0.1:{ports[0]}", "--metrics-url", $"http://127.0.0.1:{ports[1]}", "--players", "0",
            $"--{setting}", value, .. TracedTrigger.Args(subscriber.Url),
        ]);
        using var http = new HttpClient();
        var (request, traceId, spanId) = TracedTrigger.Event($"http://127.0.0.1:{ports[0]}", "off-1");
        using var sent = request;
        using (var accepted = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await subscriber.NextArrivalAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var received = Assert.Single(subscriber.TraceParentsOf("off-1"));
        if (passedOnAsIs)
        {
            Assert.Equal($"00-{traceId}-{spanId}-01", received); // nothing listens: the broker takes no part in the trace
        }
        else
        {
            Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-00$", received); // the sampler's "not recorded" goes on
            Assert.DoesNotContain(spanId, received);
        }
    }
}
