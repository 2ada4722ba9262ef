using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>
/// Recording one dispatch (attempt in flight +1/−1, attempt duration, final outcome) through our API,
/// against the same raw System.Diagnostics.Metrics calls with the same attributes, and against
/// prometheus-net's equivalent. An OpenTelemetry MeterProvider listens to both meters.
/// </summary>
[MemoryDiagnoser]
public class DispatchRecordingBenchmarks
{
    private const string EventType = "dev.knative.game.score";
    private static readonly object Status200 = 200;

    private MeterProvider _provider = null!;
    private Meter _rawMeter = null!;
    private Histogram<double> _rawDuration = null!;
    private Counter<long> _rawDeliveries = null!;
    private UpDownCounter<long> _rawActive = null!;
    private KnativeEventingMetrics _metrics = null!;
    private TriggerRef _trigger = null!;
    private Prometheus.Histogram _promDuration = null!;
    private Prometheus.Counter _promDeliveries = null!;
    private Prometheus.Gauge _promActive = null!;
    private readonly List<Metric> _exported = [];

    [GlobalSetup]
    public void Setup()
    {
        _rawMeter = new Meter("Benchmarks.Raw");
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.Seconds };
        _rawDuration = _rawMeter.CreateHistogram("raw.dispatch.duration", "s", "raw", tags: null, advice: buckets);
        _rawDeliveries = _rawMeter.CreateCounter<long>("raw.deliveries", "{event}", "raw");
        _rawActive = _rawMeter.CreateUpDownCounter<long>("raw.dispatch.active", "{request}", "raw");

        _metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions { BrokerClass = "Embedded" }, null);
        _trigger = new TriggerRef(new BrokerRef("demo", "default"), "leaderboard");

        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter("Benchmarks.Raw")
            .AddKnativeEventingInstrumentation()
            .AddInMemoryExporter(_exported)
            .Build();

        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _promDuration = factory.CreateHistogram(
            "kn_eventing_dispatch_duration_seconds",
            "dispatch",
            new Prometheus.HistogramConfiguration
            {
                Buckets = [.. HistogramBuckets.Seconds],
                LabelNames = ["messaging_system", "messaging_operation_name", "messaging_destination_name", "kn_broker_name", "kn_broker_namespace", "kn_trigger_name", "cloudevents_type", "http_response_status_code"],
            });
        _promDeliveries = factory.CreateCounter(
            "kn_eventing_deliveries_total",
            "deliveries",
            new Prometheus.CounterConfiguration { LabelNames = ["kn_broker_name", "kn_broker_namespace", "kn_trigger_name", "cloudevents_type", "kn_delivery_outcome"] });
        _promActive = factory.CreateGauge(
            "kn_eventing_dispatch_active",
            "active",
            new Prometheus.GaugeConfiguration { LabelNames = ["kn_broker_name", "kn_broker_namespace", "kn_trigger_name"] });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _metrics.Dispose();
        _rawMeter.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw System.Diagnostics.Metrics")]
    public void Raw()
    {
        var broker = _trigger.Broker;
        var active = new TagList
        {
            { BrokerName, broker.Name },
            { BrokerNamespace, broker.Namespace },
            { TriggerName, _trigger.Name },
        };
        _rawActive.Add(1, active);
        var start = Stopwatch.GetTimestamp();
        var duration = new TagList
        {
            { MessagingSystem, MessagingSystemKnative },
            { MessagingOperationName, OperationSend },
            { MessagingDestinationName, _trigger.SubscriberDestination },
            { BrokerName, broker.Name },
            { BrokerNamespace, broker.Namespace },
            { TriggerName, _trigger.Name },
            { CloudEventsType, EventType },
            { HttpResponseStatusCode, Status200 },
        };
        _rawDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, duration);
        _rawActive.Add(-1, active);
        var deliveries = new TagList
        {
            { BrokerName, broker.Name },
            { BrokerNamespace, broker.Namespace },
            { TriggerName, _trigger.Name },
            { CloudEventsType, EventType },
            { KnativeAttributes.DeliveryOutcome, "delivered" },
        };
        _rawDeliveries.Add(1, deliveries);
    }

    [Benchmark(Description = "KnativeEventingMetrics")]
    public void Ours()
    {
        var attempt = _metrics.StartDispatch(_trigger, DispatchTarget.Subscriber, EventType);
        attempt.Complete(200);
        _metrics.RecordDelivery(_trigger, EventType, DeliveryOutcome.Delivered);
    }

    [Benchmark(Description = "prometheus-net")]
    public void PrometheusNet()
    {
        var broker = _trigger.Broker;
        var active = _promActive.WithLabels(broker.Name, broker.Namespace, _trigger.Name);
        active.Inc();
        var start = Stopwatch.GetTimestamp();
        _promDuration
            .WithLabels("knative", "send", _trigger.SubscriberDestination, broker.Name, broker.Namespace, _trigger.Name, EventType, "200")
            .Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        active.Dec();
        _promDeliveries.WithLabels(broker.Name, broker.Namespace, _trigger.Name, EventType, "delivered").Inc();
    }
}
