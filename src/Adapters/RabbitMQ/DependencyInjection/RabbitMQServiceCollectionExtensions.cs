using System.Diagnostics.Metrics;
using Knative.Eventing.Metrics.RabbitMQ;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the RabbitMQ adapter's instrumentation.</summary>
public static class RabbitMQServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RabbitMQInstrumentation"/> on the host's meter factory, together with the core
    /// <c>KnativeEventingMetrics</c>. Enable the meter with <c>AddKnativeEventingInstrumentation()</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddKnativeEventingRabbitMQ(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddKnativeEventingMetrics();
        services.TryAddSingleton(sp => new RabbitMQInstrumentation(
            sp.GetRequiredService<IMeterFactory>(),
            Logging.LoggerFactoryExtensions.CreateLogger<RabbitMQInstrumentation>(
                sp.GetService<Logging.ILoggerFactory>() ?? Logging.Abstractions.NullLoggerFactory.Instance)));
        return services;
    }
}
