using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Knative.Eventing.Metrics.Tests.Tracing;

/// <summary>A real OpenTelemetry TracerProvider (the project's registration) exporting to memory, with a sampler of the test's choice.</summary>
internal sealed class TracingHarness : IDisposable
{
    private readonly TracerProvider _provider;

    public TracingHarness(Sampler? sampler = null)
    {
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddKnativeEventingInstrumentation()
            .SetSampler(sampler ?? new AlwaysOnSampler())
            .AddInMemoryExporter(Spans)
            .Build()!;
    }

    public List<Activity> Spans { get; } = [];

    public Activity Single(string name) => Assert.Single(Spans, s => s.DisplayName == name);

    public void Dispose() => _provider.Dispose();
}
