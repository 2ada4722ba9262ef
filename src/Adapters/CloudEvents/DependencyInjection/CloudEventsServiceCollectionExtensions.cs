using System.Diagnostics.Metrics;
using Knative.Eventing.Metrics;
using Knative.Eventing.Metrics.CloudEvents;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the CloudEvents SDK hook.</summary>
public static class CloudEventsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CloudEventsInstrumentation"/> (sharing the core's <c>cloudevents.type</c> guard),
    /// together with <see cref="KnativeEventingMetrics"/>. ASP.NET Core reading finds it in the request's services.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddKnativeEventingCloudEvents(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddKnativeEventingMetrics();
        services.TryAddSingleton(sp => new CloudEventsInstrumentation(
            sp.GetRequiredService<IMeterFactory>(),
            sp.GetRequiredService<KnativeEventingMetrics>().EventTypes,
            Logging.LoggerFactoryExtensions.CreateLogger<CloudEventsInstrumentation>(
                sp.GetService<Logging.ILoggerFactory>() ?? Logging.Abstractions.NullLoggerFactory.Instance)));
        return services;
    }

    /// <summary>Measures the CloudEvents this named or typed client sends (<c>cloudevents.client.send.duration</c>).</summary>
    /// <param name="builder">The client builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHttpClientBuilder AddCloudEventsInstrumentation(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKnativeEventingCloudEvents();
        return builder.AddHttpMessageHandler(sp => new CloudEventsHttpHandler(sp.GetRequiredService<CloudEventsInstrumentation>()));
    }
}
