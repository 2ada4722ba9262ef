using System.Net.Mime;
using System.Text;
using BenchmarkDotNet.Attributes;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Knative.Eventing.Metrics.CloudEvents;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>Decoding a structured-mode event through the instrumented formatter vs the bare JSON formatter (MeterProvider listening).</summary>
[MemoryDiagnoser]
public class CloudEventDecodeBenchmarks
{
    private static readonly ContentType ContentType = new("application/cloudevents+json");
    private readonly byte[] _body = Encoding.UTF8.GetBytes(
        """{"specversion":"1.0","id":"e-1","source":"/game/level/1","type":"dev.knative.game.score","time":"2026-11-25T10:00:00Z","datacontenttype":"application/json","data":{"player":"p1","sessionId":"s-1","level":1,"levelScore":10,"time":"2026-11-25T10:00:00Z"}}""");
    private readonly List<Metric> _exported = [];
    private JsonEventFormatter _bare = null!;
    private InstrumentedCloudEventFormatter _instrumented = null!;
    private CloudEventsInstrumentation _instrumentation = null!;
    private MeterProvider _provider = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bare = new JsonEventFormatter();
        _instrumentation = new CloudEventsInstrumentation();
        _instrumented = new InstrumentedCloudEventFormatter(new JsonEventFormatter(), _instrumentation);
        _provider = Sdk.CreateMeterProviderBuilder().AddKnativeEventingInstrumentation().AddInMemoryExporter(_exported).Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _instrumentation.Dispose();
    }

    [Benchmark(Baseline = true, Description = "JsonEventFormatter")]
    public CloudEvent Bare() => _bare.DecodeStructuredModeMessage(_body, ContentType, null);

    [Benchmark(Description = "InstrumentedCloudEventFormatter")]
    public CloudEvent Instrumented() => _instrumented.DecodeStructuredModeMessage(_body, ContentType, null);
}
