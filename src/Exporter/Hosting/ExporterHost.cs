using Knative.Eventing.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>Builds the exporter's web application: listeners, OpenTelemetry, endpoints.</summary>
public static class ExporterHost
{
    /// <summary>Command-line switches and the configuration keys they set.</summary>
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>
    {
        ["--ingress-url"] = $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.IngressUrl)}",
        ["--metrics-url"] = $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MetricsUrl)}",
        ["--metrics-path"] = $"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MetricsPath)}",
        ["--broker-class"] = $"{KnativeEventingMetricsOptions.SectionName}:{nameof(KnativeEventingMetricsOptions.BrokerClass)}",
    };

    /// <summary>Builds the application from command-line arguments, appsettings.json and environment variables.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddCommandLine(args, SwitchMappings.ToDictionary());

        var exporterSection = builder.Configuration.GetSection(ExporterOptions.SectionName);
        var exporterOptions = exporterSection.Get<ExporterOptions>() ?? new ExporterOptions();
        builder.Services.Configure<ExporterOptions>(exporterSection);

        var listeners = new Listeners();
        builder.Services.AddSingleton(listeners);
        builder.WebHost.ConfigureKestrel(kestrel => listeners.Configure(kestrel, exporterOptions));

        builder.Services.AddKnativeEventingMetrics(builder.Configuration.GetSection(KnativeEventingMetricsOptions.SectionName));
        builder.Services.AddHealthChecks();
        builder.Services.AddHostedService<StartupBanner>();

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("knative-eventing-metrics-exporter"))
            .WithMetrics(metrics => metrics
                .AddKnativeEventingInstrumentation()
                .AddPrometheusExporter(prometheus =>
                {
                    prometheus.ScrapeEndpointPath = exporterOptions.MetricsPath;
                    prometheus.ScrapeResponseCacheDurationMilliseconds = exporterOptions.ScrapeCacheMilliseconds;
                }));
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        var app = builder.Build();

        // Resolve the metrics singleton at startup so its instruments exist before the first scrape.
        app.Services.GetRequiredService<KnativeEventingMetrics>();

        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == exporterOptions.MetricsPath
                && Listeners.Serves(context, ListenerRole.Metrics),
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);
        app.MapHealthChecks("/healthz");
        return app;
    }
}
