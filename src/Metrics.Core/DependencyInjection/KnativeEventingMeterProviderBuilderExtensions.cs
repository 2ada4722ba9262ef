using Knative.Eventing.Metrics;

namespace OpenTelemetry.Metrics;

/// <summary>Enables the Knative Eventing meters on an OpenTelemetry <see cref="MeterProviderBuilder"/>.</summary>
public static class KnativeEventingMeterProviderBuilderExtensions
{
    /// <summary>
    /// Listens to every meter of this project (<see cref="KnativeEventingMeterNames.All"/>): the uniform
    /// <c>kn.eventing.*</c> instruments and the RabbitMQ, Kafka and CloudEvents adapters that are
    /// referenced. Bucket boundaries come with the instruments as advice, so a View can override them.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static MeterProviderBuilder AddKnativeEventingInstrumentation(this MeterProviderBuilder builder) =>
        builder.AddKnativeEventingInstrumentation(DefaultCardinalityLimit);

    /// <summary>
    /// The series each <c>kn.eventing.*</c> instrument may hold by default: 10,000 (the OpenTelemetry SDK's
    /// own default of 2,000 would fold the series of a broker with many triggers into one overflow series).
    /// </summary>
    public const int DefaultCardinalityLimit = 10_000;

    /// <summary>
    /// Listens to every meter of this project, like <see cref="AddKnativeEventingInstrumentation(MeterProviderBuilder)"/>,
    /// with <paramref name="cardinalityLimit"/> series per <c>kn.eventing.*</c> instrument (the SDK reserves
    /// memory for them up front: about 130 bytes a series).
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <param name="cardinalityLimit">Series per <c>kn.eventing.*</c> instrument before the SDK's overflow series.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cardinalityLimit"/> is not positive.</exception>
    public static MeterProviderBuilder AddKnativeEventingInstrumentation(this MeterProviderBuilder builder, int cardinalityLimit)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cardinalityLimit);
        foreach (var meter in KnativeEventingMeterNames.All)
        {
            builder.AddMeter(meter);
        }

        return builder.AddView(instrument => instrument.Meter.Name == KnativeEventingMeterNames.Core
            ? new MetricStreamConfiguration { CardinalityLimit = cardinalityLimit }
            : null);
    }
}
