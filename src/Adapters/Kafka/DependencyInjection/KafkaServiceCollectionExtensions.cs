using System.Diagnostics.Metrics;
using Knative.Eventing.Metrics.Kafka;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kafka adapter's instrumentation.</summary>
public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="KafkaInstrumentation"/> on the host's meter factory, together with the core
    /// <c>KnativeEventingMetrics</c>. Enable the meter with <c>AddKnativeEventingInstrumentation()</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddKnativeEventingKafka(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddKnativeEventingMetrics();
        services.TryAddSingleton(sp => new KafkaInstrumentation(
            sp.GetRequiredService<IMeterFactory>(),
            Logging.LoggerFactoryExtensions.CreateLogger<KafkaInstrumentation>(
                sp.GetService<Logging.ILoggerFactory>() ?? Logging.Abstractions.NullLoggerFactory.Instance)));
        return services;
    }
}
