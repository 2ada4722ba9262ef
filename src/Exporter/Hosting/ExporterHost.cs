using Knative.Eventing.Metrics;
using Knative.Eventing.Metrics.Exporter.Broker;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Game;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>Builds the exporter's web application: listeners, OpenTelemetry, endpoints.</summary>
public static class ExporterHost
{
    /// <summary>Builds the application from command-line arguments (<see cref="ExporterCommandLine"/>), appsettings.json and environment variables.</summary>
    /// <exception cref="ArgumentException">The arguments are not understood (unknown switch or configuration section), or ask for help or the version.</exception>
    public static WebApplication Build(string[] args)
    {
        var command = ExporterCommandLine.Parse(args);
        if (command.ShouldExit)
        {
            throw new ArgumentException(command.Errors.Length > 0 ? command.Errors : "The arguments ask for help or the version, not a run.", nameof(args));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddCommandLine([.. command.Configuration]);

        var exporterSection = builder.Configuration.GetSection(ExporterOptions.SectionName);
        var exporterOptions = exporterSection.Get<ExporterOptions>() ?? new ExporterOptions();
        builder.Services.Configure<ExporterOptions>(exporterSection);

        var listeners = new Listeners();
        builder.Services.AddSingleton(listeners);
        builder.WebHost.ConfigureKestrel(kestrel => listeners.Configure(kestrel, exporterOptions));

        builder.Services.AddKnativeEventingMetrics(builder.Configuration.GetSection(KnativeEventingMetricsOptions.SectionName));
        builder.Services.AddKnativeEventingCloudEvents();
        builder.Services.AddKnativeEventingRabbitMQ();
        builder.Services.AddKnativeEventingKafka();
        builder.Services.Configure<BrokerOptions>(builder.Configuration.GetSection(BrokerOptions.SectionName));
        builder.Services.Configure<GameOptions>(builder.Configuration.GetSection(GameOptions.SectionName));
        builder.Services.PostConfigure<KnativeEventingMetricsOptions>(o => o.BrokerClass ??= (builder.Configuration[$"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Backend)}"] ?? "Embedded").ToLowerInvariant() switch
        {
            "rabbitmq" or "rabbitmqbroker" => "RabbitMQBroker", // Knative's broker-class values
            "kafka" => "Kafka",
            _ => "Embedded",
        });
        builder.Services.AddHttpClient(SubscriberClient.HttpClientName).AddCloudEventsInstrumentation();
        builder.Services.AddHttpClient(nameof(GameSimulator));
        builder.Services.AddSingleton<SubscriberClient>();
        builder.Services.AddSingleton<TriggerDispatcher>();
        builder.Services.AddGameSubscribers();
        builder.Services.AddSingleton<BrokerHost>();
        // The host's own stop deadline must not cut the drain short: the drain, cancelling and closing fit in it.
        builder.Services.AddOptions<HostOptions>().Configure<BrokerHost>((host, broker) =>
            host.ShutdownTimeout = broker.Model.DrainTimeout + AdapterBackend.StopMargin + TimeSpan.FromSeconds(5));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BrokerHost>());
        builder.Services.AddSingleton<GameSimulator>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GameSimulator>());
        builder.Services.AddHealthChecks().AddCheck<TriggerConsumersHealthCheck>(TriggerConsumersHealthCheck.Name);
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

        if (!string.IsNullOrEmpty(exporterOptions.MetricsBearerToken))
        {
            var expected = System.Text.Encoding.UTF8.GetBytes($"Bearer {exporterOptions.MetricsBearerToken}");
            app.Use(async (context, next) =>
            {
                if (context.Request.Path == exporterOptions.MetricsPath && Listeners.Serves(context, ListenerRole.Metrics)
                    && !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                        System.Text.Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()), expected))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    return;
                }

                await next(context);
            });
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == exporterOptions.MetricsPath
                && Listeners.Serves(context, ListenerRole.Metrics),
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);
        app.MapHealthChecks("/healthz", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            // Status first (what probes and people read), then why: which trigger's consumer failed and how.
            ResponseWriter = (context, report) => context.Response.WriteAsync(report.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                ? "Healthy"
                : $"{report.Status}\n{string.Join("\n", report.Entries.Where(e => e.Value.Status != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}"))}\n"),
        });
        IngressEndpoint.Map(app);
        StatusEndpoints.Map(app);

        // Fail at startup, naming the field, when the broker configuration is invalid.
        app.Services.GetRequiredService<BrokerHost>();
        return app;
    }
}
