using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>
/// One delivery attempt recorded through the library (<c>DeliveryScope.StartAttempt</c> then <c>Complete(200)</c>: the in-flight
/// count, the duration and, with tracing on, the attempt's CLIENT span) with a MeterProvider listening, in four set-ups, each
/// with its own providers: metrics only (the baseline); the trace-based exemplar filter on but nothing tracing; a tracer that
/// samples every span, so each attempt is a span and its duration carries an exemplar; and a tracer that samples none.
/// </summary>
[MemoryDiagnoser]
public class TracedRecordingBenchmarks
{
    private MeterProvider? _meters;
    private TracerProvider? _tracer;
    private KnativeEventingMetrics _metrics = null!;
    private DeliveryScope _scope = null!;
    private readonly List<Metric> _exported = [];

    [GlobalSetup(Target = nameof(MetricsOnly))]
    public void SetupMetricsOnly() => Setup(ExemplarFilterType.AlwaysOff, sampler: null);

    [GlobalSetup(Target = nameof(ExemplarFilterOnNoTracer))]
    public void SetupExemplarFilterOnNoTracer() => Setup(ExemplarFilterType.TraceBased, sampler: null);

    [GlobalSetup(Target = nameof(SpanAndExemplarSampled))]
    public void SetupSpanAndExemplarSampled() => Setup(ExemplarFilterType.TraceBased, new AlwaysOnSampler());

    [GlobalSetup(Target = nameof(SpanSampledOut))]
    public void SetupSpanSampledOut() => Setup(ExemplarFilterType.TraceBased, new AlwaysOffSampler());

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Complete(DeliveryOutcome.Delivered);
        _tracer?.Dispose();
        _meters?.Dispose();
        _metrics.Dispose();
    }

    [Benchmark(Baseline = true, Description = "metrics only (no tracer, exemplars off)")]
    public void MetricsOnly() => _scope.StartAttempt(DispatchTarget.Subscriber).Complete(200);

    [Benchmark(Description = "exemplar filter trace_based, nothing tracing")]
    public void ExemplarFilterOnNoTracer() => _scope.StartAttempt(DispatchTarget.Subscriber).Complete(200);

    [Benchmark(Description = "span per attempt, sampled, duration with exemplar")]
    public void SpanAndExemplarSampled() => _scope.StartAttempt(DispatchTarget.Subscriber).Complete(200);

    [Benchmark(Description = "span per attempt, sampled out")]
    public void SpanSampledOut() => _scope.StartAttempt(DispatchTarget.Subscriber).Complete(200);

    private void Setup(ExemplarFilterType filter, Sampler? sampler)
    {
        _metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions { BrokerClass = "Embedded" }, null);
        _meters = Sdk.CreateMeterProviderBuilder()
            .AddKnativeEventingInstrumentation()
            .SetExemplarFilter(filter)
            .AddInMemoryExporter(_exported)
            .Build();
        if (sampler is not null)
        {
            // Spans are made and sampled but not exported: the cost measured is the library's, not an exporter's.
            _tracer = Sdk.CreateTracerProviderBuilder().AddKnativeEventingInstrumentation().SetSampler(sampler).Build();
        }

        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, null, isRemote: true);
        _scope = _metrics.BeginDelivery(
            new TriggerRef(new BrokerRef("demo", "default"), "leaderboard"),
            "dev.knative.game.score",
            null,
            null,
            new DeliveryTrace(new OpenTelemetry.Context.Propagation.PropagationContext(parent, default), "e-1", null));
    }
}
