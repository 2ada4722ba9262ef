using System.Diagnostics.Metrics;
using System.Reflection;

namespace Knative.Eventing.Metrics;

/// <summary>
/// Creates this project's meters and their instruments from <see cref="InstrumentDescriptor"/>s, so every
/// package names, describes and buckets its instruments the same way (histograms get
/// <see cref="HistogramBuckets.Seconds"/> as advice). Shared source, compiled into each package: a helper
/// for this project's packages, not part of any package's public API.
/// </summary>
internal static class KnativeMeters
{
    /// <summary>
    /// Creates a meter named <paramref name="name"/>, versioned with the informational version of
    /// <paramref name="versionOf"/>'s assembly, on <paramref name="meterFactory"/> (or standalone when null).
    /// </summary>
    /// <param name="meterFactory">The host's meter factory; null creates a meter the caller must dispose.</param>
    /// <param name="name">The meter name (see <see cref="KnativeEventingMeterNames"/>).</param>
    /// <param name="versionOf">A type of the package the meter belongs to.</param>
    /// <param name="tags">Meter (scope) tags; null for none.</param>
    /// <returns>The meter.</returns>
    public static Meter Create(IMeterFactory? meterFactory, string name, Type versionOf, IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(versionOf);
        var options = new MeterOptions(name)
        {
            Version = versionOf.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
            Tags = tags,
        };
        return meterFactory?.Create(options) ?? new Meter(options);
    }

    /// <summary>Creates the histogram a descriptor describes, with the contract's bucket boundaries as advice.</summary>
    /// <param name="meter">The meter.</param>
    /// <param name="descriptor">The instrument.</param>
    /// <returns>The histogram.</returns>
    public static Histogram<double> CreateHistogram(this Meter meter, InstrumentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(descriptor);
        return meter.CreateHistogram(
            descriptor.Name,
            descriptor.Unit,
            descriptor.Description,
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.Seconds });
    }

    /// <summary>Creates the counter a descriptor describes.</summary>
    /// <param name="meter">The meter.</param>
    /// <param name="descriptor">The instrument.</param>
    /// <returns>The counter.</returns>
    public static Counter<long> CreateCounter(this Meter meter, InstrumentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(descriptor);
        return meter.CreateCounter<long>(descriptor.Name, descriptor.Unit, descriptor.Description);
    }

    /// <summary>Creates the up-down counter a descriptor describes.</summary>
    /// <param name="meter">The meter.</param>
    /// <param name="descriptor">The instrument.</param>
    /// <returns>The up-down counter.</returns>
    public static UpDownCounter<long> CreateUpDownCounter(this Meter meter, InstrumentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(descriptor);
        return meter.CreateUpDownCounter<long>(descriptor.Name, descriptor.Unit, descriptor.Description);
    }

    /// <summary>Creates the observable gauge a descriptor describes.</summary>
    /// <typeparam name="T">The measured type.</typeparam>
    /// <param name="meter">The meter.</param>
    /// <param name="descriptor">The instrument.</param>
    /// <param name="observe">Returns the current measurements (from a cache, never from I/O).</param>
    /// <returns>The gauge.</returns>
    public static ObservableGauge<T> CreateObservableGauge<T>(
        this Meter meter,
        InstrumentDescriptor descriptor,
        Func<IEnumerable<Measurement<T>>> observe)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(descriptor);
        return meter.CreateObservableGauge(descriptor.Name, observe, descriptor.Unit, descriptor.Description);
    }
}
