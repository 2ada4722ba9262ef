namespace Knative.Eventing.Metrics.Tests;

/// <summary>
/// A <see cref="KnativeEventingMetrics"/> with a real OpenTelemetry MeterProvider and in-memory exporter
/// listening, so tests read what the SDK exports rather than our own fields.
/// </summary>
internal sealed class MetricsHarness : IDisposable
{
    private readonly MetricCapture _capture = new();

    public MetricsHarness(Action<KnativeEventingMetricsOptions>? configure = null)
    {
        var options = new KnativeEventingMetricsOptions();
        configure?.Invoke(options);
        Metrics = new KnativeEventingMetrics(options, null);
    }

    public KnativeEventingMetrics Metrics { get; }

    public static BrokerRef Broker { get; } = new("demo", "default");

    public static TriggerRef Trigger { get; } = new(Broker, "leaderboard");

    public IReadOnlyList<CollectedMetric> Collect() => _capture.Collect();

    public CollectedMetric Single(string name) =>
        Assert.Single(Collect(), m => m.Name == name);

    public void Dispose()
    {
        Metrics.Dispose();
        _capture.Dispose();
    }
}
