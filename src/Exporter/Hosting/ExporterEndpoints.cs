using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.Exporter.Ingress;
using Knative.Eventing.Metrics.Exporter.Listening;
using Knative.Eventing.Metrics.Exporter.Live;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>The exporter's endpoints: the scrape on the metrics listener; ingress, status and health on the ingress listener.</summary>
internal static class ExporterEndpoints
{
    public static void MapExporterEndpoints(this WebApplication app)
    {
        var exporter = app.Services.GetRequiredService<IOptions<ExporterOptions>>();

        // Resolve the metrics singleton at startup so its instruments exist before the first scrape.
        app.Services.GetRequiredService<KnativeEventingMetrics>();

        app.UseMiddleware<MetricsBearerToken>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == exporter.Value.MetricsPath && Listeners.Serves(context, ListenerRole.Metrics),
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);

        // Everything else answers on the ingress listener only (404 on the metrics one).
        var ingress = app.MapGroup(string.Empty).AddEndpointFilter(Listeners.Only(ListenerRole.Ingress));
        HealthProbes.Map(ingress);
        IngressEndpoint.Map(ingress);
        LiveEndpoints.Map(ingress);
        if (app.Services.GetService<Game.GameSimulator>() is not null)
        {
            GameServices.MapGame(ingress);
        }
    }
}
