using Knative.Eventing.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="KnativeEventingMetrics"/> in a service collection.</summary>
public static class KnativeEventingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="KnativeEventingMetrics"/> as a singleton on the host's <c>IMeterFactory</c>,
    /// with default options validated at startup. Calling it more than once is harmless.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddKnativeEventingMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.AddOptions<KnativeEventingMetricsOptions>().ValidateOnStart();

        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<KnativeEventingMetricsOptions>,
            KnativeEventingMetricsOptionsValidator>());
        services.TryAddSingleton(sp => new KnativeEventingMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<IOptions<KnativeEventingMetricsOptions>>(),
            sp.GetService<ILogger<KnativeEventingMetrics>>()));
        return services;
    }

    /// <summary>Registers <see cref="KnativeEventingMetrics"/> and configures its options in code.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddKnativeEventingMetrics(
        this IServiceCollection services,
        Action<KnativeEventingMetricsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<KnativeEventingMetricsOptions>().Configure(configure);
        return services.AddKnativeEventingMetrics();
    }

    /// <summary>
    /// Registers <see cref="KnativeEventingMetrics"/> with options bound from <paramref name="configuration"/>
    /// (usually the section <see cref="KnativeEventingMetricsOptions.SectionName"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration section holding the options.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddKnativeEventingMetrics(
        this IServiceCollection services,
        IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KnativeEventingMetricsOptions>().Bind(configuration);
        return services.AddKnativeEventingMetrics();
    }
}
