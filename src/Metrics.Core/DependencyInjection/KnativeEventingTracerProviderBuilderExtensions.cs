using Knative.Eventing.Metrics;

namespace OpenTelemetry.Trace;

/// <summary>Enables the Knative Eventing spans on an OpenTelemetry <see cref="TracerProviderBuilder"/>.</summary>
public static class KnativeEventingTracerProviderBuilderExtensions
{
    /// <summary>
    /// Listens to every <see cref="System.Diagnostics.ActivitySource"/> of this project, named as its meters
    /// (<see cref="KnativeEventingMeterNames.All"/>): ingress, publish, process and attempt spans (docs/tracing.md). RabbitMQ.Client's
    /// own sources are not added: this project's publish and process spans cover those hops (add them yourself for the
    /// client's view).
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TracerProviderBuilder AddKnativeEventingInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource([.. KnativeEventingMeterNames.All]);
    }
}
