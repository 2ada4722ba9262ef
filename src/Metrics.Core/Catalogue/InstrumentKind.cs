namespace Knative.Eventing.Metrics;

/// <summary>The kinds of instrument the contract uses.</summary>
public enum InstrumentKind
{
    /// <summary><c>Histogram&lt;double&gt;</c> with the <see cref="HistogramBuckets.Seconds"/> boundaries.</summary>
    Histogram,

    /// <summary><c>Counter&lt;long&gt;</c>.</summary>
    Counter,

    /// <summary><c>UpDownCounter&lt;long&gt;</c>.</summary>
    UpDownCounter,

    /// <summary><c>ObservableGauge&lt;long&gt;</c>.</summary>
    ObservableGauge,
}
