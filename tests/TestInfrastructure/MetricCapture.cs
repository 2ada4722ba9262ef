using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>One exported point, copied out of the OpenTelemetry SDK.</summary>
public sealed record CollectedPoint(
    IReadOnlyDictionary<string, object?> Tags,
    long LongValue,
    double DoubleValue,
    long Count,
    double Sum,
    IReadOnlyList<double> Bounds,
    IReadOnlyList<long> BucketCounts);

/// <summary>One exported metric, copied out of the OpenTelemetry SDK.</summary>
public sealed record CollectedMetric(
    string Name,
    string Unit,
    string Description,
    MetricType Type,
    string MeterName,
    IReadOnlyDictionary<string, object?> MeterTags,
    IReadOnlyList<CollectedPoint> Points)
{
    /// <summary>The sum over points of counter values (long sums) or histogram counts.</summary>
    public long Total(params (string Key, object? Value)[] tags) =>
        Points.Where(p => tags.All(t => p.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value)))
            .Sum(p => Type == MetricType.Histogram ? p.Count : p.LongValue);
}

/// <summary>
/// A real OpenTelemetry MeterProvider with the in-memory exporter listening to every Knative Eventing
/// meter, so tests read what the SDK exports rather than the library's own fields.
/// </summary>
public sealed class MetricCapture : IDisposable
{
    private readonly List<Metric> _exported = [];
    private readonly MeterProvider _provider;

    /// <summary>Starts listening.</summary>
    public MetricCapture()
    {
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddKnativeEventingInstrumentation()
            .AddInMemoryExporter(_exported)
            .Build();
    }

    /// <summary>Collects now and copies every metric out.</summary>
    public IReadOnlyList<CollectedMetric> Collect()
    {
        lock (_exported)
        {
            _exported.Clear();
            _provider.ForceFlush();
            return _exported.Select(Copy).ToList();
        }
    }

    /// <summary>The one metric called <paramref name="name"/> of meter <paramref name="meter"/>, or an empty one when nothing was recorded.</summary>
    public CollectedMetric Get(string meter, string name) =>
        Collect().SingleOrDefault(m => m.MeterName == meter && m.Name == name)
        ?? new CollectedMetric(name, string.Empty, string.Empty, MetricType.LongSum, meter, new Dictionary<string, object?>(), []);

    /// <inheritdoc/>
    public void Dispose() => _provider.Dispose();

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
