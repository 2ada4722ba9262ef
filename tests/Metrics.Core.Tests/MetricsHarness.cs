using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Knative.Eventing.Metrics.Tests;

/// <summary>One exported point, copied out of the OpenTelemetry SDK.</summary>
internal sealed record CollectedPoint(
    IReadOnlyDictionary<string, object?> Tags,
    long LongValue,
    double DoubleValue,
    long Count,
    double Sum,
    IReadOnlyList<double> Bounds,
    IReadOnlyList<long> BucketCounts);

/// <summary>One exported metric, copied out of the OpenTelemetry SDK.</summary>
internal sealed record CollectedMetric(
    string Name,
    string Unit,
    string Description,
    MetricType Type,
    string MeterName,
    IReadOnlyDictionary<string, object?> MeterTags,
    IReadOnlyList<CollectedPoint> Points);

/// <summary>
/// A <see cref="KnativeEventingMetrics"/> with a real OpenTelemetry MeterProvider and in-memory exporter
/// listening, so tests read what the SDK exports rather than our own fields.
/// </summary>
internal sealed class MetricsHarness : IDisposable
{
    private readonly List<Metric> _exported = [];
    private readonly MeterProvider _provider;

    public MetricsHarness(Action<KnativeEventingMetricsOptions>? configure = null)
    {
        var options = new KnativeEventingMetricsOptions();
        configure?.Invoke(options);
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddKnativeEventingInstrumentation()
            .AddInMemoryExporter(_exported)
            .Build();
        Metrics = new KnativeEventingMetrics(options, null);
    }

    public KnativeEventingMetrics Metrics { get; }

    public static BrokerRef Broker { get; } = new("demo", "default");

    public static TriggerRef Trigger { get; } = new(Broker, "leaderboard");

    public IReadOnlyList<CollectedMetric> Collect()
    {
        _exported.Clear();
        _provider.ForceFlush();
        return _exported.Select(Copy).ToList();
    }

    public CollectedMetric Single(string name) =>
        Assert.Single(Collect(), m => m.Name == name);

    public void Dispose()
    {
        Metrics.Dispose();
        _provider.Dispose();
    }

    private static CollectedMetric Copy(Metric metric)
    {
        var points = new List<CollectedPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var tags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            long longValue = 0, count = 0;
            double doubleValue = 0, sum = 0;
            var bounds = new List<double>();
            var bucketCounts = new List<long>();
            switch (metric.MetricType)
            {
                case MetricType.LongSum:
                case MetricType.LongSumNonMonotonic:
                    longValue = point.GetSumLong();
                    break;
                case MetricType.LongGauge:
                    longValue = point.GetGaugeLastValueLong();
                    break;
                case MetricType.Histogram:
                    count = point.GetHistogramCount();
                    sum = point.GetHistogramSum();
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        bounds.Add(bucket.ExplicitBound);
                        bucketCounts.Add(bucket.BucketCount);
                    }

                    break;
                case MetricType.DoubleSum:
                case MetricType.DoubleSumNonMonotonic:
                    doubleValue = point.GetSumDouble();
                    break;
            }

            points.Add(new CollectedPoint(tags, longValue, doubleValue, count, sum, bounds, bucketCounts));
        }

        var meterTags = (metric.MeterTags ?? []).ToDictionary(t => t.Key, t => t.Value);
        return new CollectedMetric(metric.Name, metric.Unit, metric.Description, metric.MetricType, metric.MeterName, meterTags, points);
    }
}
