using System.Net.Mime;
using System.Text;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>The formatter decorator measures and counts, and changes nothing the inner formatter does.</summary>
[Trait("Category", "Unit")]
public sealed class InstrumentedFormatterTests
{
    private static readonly ContentType Structured = new("application/cloudevents+json");

    [Fact]
    public void Decoding_returns_what_the_inner_formatter_returns_and_is_timed()
    {
        using var capture = new MetricCapture();
        using var instrumentation = new CloudEventsInstrumentation();
        var inner = new JsonEventFormatter();
        var formatter = new InstrumentedCloudEventFormatter(inner, instrumentation);
        var body = Encoding.UTF8.GetBytes(Requests.ValidStructured);

        var decorated = formatter.DecodeStructuredModeMessage(body, Structured, null);
        var bare = inner.DecodeStructuredModeMessage(body, Structured, null);

        Assert.Equal(GeneratedEvents.Describe(bare), GeneratedEvents.Describe(decorated));
        var decode = capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.duration");
        Assert.Equal(1, decode.Total(("cloudevents.type", "dev.knative.game.score"), ("cloudevents.specversion", "1.0")));
        Assert.Equal(0, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.errors").Total());
    }

    [Theory]
    [InlineData("{\"specversion\":\"1.0\",", "malformed")]
    [InlineData("{\"specversion\":\"9.9\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}", "invalid_specversion")]
    [InlineData("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\"}", "missing_attribute")]
    public void Decoding_failures_rethrow_the_inner_exception_unchanged_and_count_the_reason(string json, string reason)
    {
        using var capture = new MetricCapture();
        using var instrumentation = new CloudEventsInstrumentation();
        var inner = new JsonEventFormatter();
        var formatter = new InstrumentedCloudEventFormatter(inner, instrumentation);
        var body = Encoding.UTF8.GetBytes(json);

        var expected = Record.Exception(() => inner.DecodeStructuredModeMessage(body, Structured, null));
        var actual = Record.Exception(() => formatter.DecodeStructuredModeMessage(body, Structured, null));

        Assert.NotNull(expected);
        Assert.IsType(expected.GetType(), actual);
        Assert.Equal(expected.Message, actual!.Message);
        Assert.Equal(1, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.errors").Total(("error.type", reason)));
        Assert.Equal(1, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.decode.duration").Total(("error.type", reason)));
    }

    [Fact]
    public void Encoding_passes_through()
    {
        using var instrumentation = new CloudEventsInstrumentation();
        var inner = new JsonEventFormatter();
        var formatter = new InstrumentedCloudEventFormatter(inner, instrumentation);
        var cloudEvent = inner.DecodeStructuredModeMessage(Encoding.UTF8.GetBytes(Requests.ValidStructured), Structured, null);

        var a = formatter.EncodeStructuredModeMessage(cloudEvent, out var typeA);
        var b = inner.EncodeStructuredModeMessage(cloudEvent, out var typeB);

        Assert.Equal(b.ToArray(), a.ToArray());
        Assert.Equal(typeB.ToString(), typeA.ToString());
        Assert.Equal(inner.EncodeBinaryModeEventData(cloudEvent).ToArray(), formatter.EncodeBinaryModeEventData(cloudEvent).ToArray());
    }

    [Fact]
    public void A_failing_metrics_listener_never_reaches_the_caller_and_the_failure_is_counted()
    {
        using var instrumentation = new CloudEventsInstrumentation();
        using var throwing = new ThrowingMeterListener(KnativeEventingMeterNames.CloudEvents);
        var formatter = new InstrumentedCloudEventFormatter(new JsonEventFormatter(), instrumentation);

        var decoded = formatter.DecodeStructuredModeMessage(Encoding.UTF8.GetBytes(Requests.ValidStructured), Structured, null);

        Assert.Equal("dev.knative.game.score", decoded.Type);
        Assert.Equal(1, instrumentation.RecordingFailures);
    }
}
