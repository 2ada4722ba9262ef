using System.Diagnostics.Metrics;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A metrics listener that throws on every measurement of one meter: what a broken exporter or SDK
/// would do. A recording call then sees the exception; the library must swallow it, never its host.
/// </summary>
public sealed class ThrowingMeterListener : IDisposable
{
    private readonly MeterListener _listener = new();

    /// <summary>Starts throwing on measurements of <paramref name="meterName"/>.</summary>
    public ThrowingMeterListener(string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => throw new InvalidOperationException("a listener failed"));
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => throw new InvalidOperationException("a listener failed"));
        _listener.Start();
    }

    /// <inheritdoc/>
    public void Dispose() => _listener.Dispose();
}
