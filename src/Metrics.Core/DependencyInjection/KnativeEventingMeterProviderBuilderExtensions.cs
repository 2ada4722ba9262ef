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
    public static MeterProviderBuilder AddKnativeEventingInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var meter in KnativeEventingMeterNames.All)
        {
            builder.AddMeter(meter);
        }

        return builder;
    }
}
