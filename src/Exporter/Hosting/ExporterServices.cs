using Knative.Eventing.Metrics.Exporter.Live.Trails;
using Knative.Eventing.Metrics.Broker.Backends;
using Knative.Eventing.Metrics.Broker.Publishing;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.Exporter.Listening;
using Knative.Eventing.Metrics.Exporter.Live;
using Knative.Eventing.Metrics.Broker.Model;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>The exporter's services, in the order an event passes through them.</summary>
internal static class ExporterServices
{
    /// <summary>The share of events without a sampled sender context that are traced by default (docs/tracing.md).</summary>
    public const double DefaultSampleRatio = 0.1;

    public static void AddExporterServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        // Settings, each validated before anything listens.
        services.AddOptions<ExporterOptions>().Bind(configuration.GetSection(ExporterOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExporterOptions>, ExporterOptionsValidator>();
        services.AddOptions<BrokerOptions>().Bind(configuration.GetSection(BrokerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>();
        services.Configure<GameOptions>(configuration.GetSection(GameOptions.SectionName));
        var game = configuration.GetSection(GameOptions.SectionName).GetValue(nameof(GameOptions.Enabled), true);

        // Listeners: ingress and metrics apart.
        services.AddSingleton<Listeners>();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.ApplicationServices.GetRequiredService<Listeners>().Configure(
                kestrel,
                kestrel.ApplicationServices.GetRequiredService<IOptions<ExporterOptions>>().Value);
            var oidc = context.Configuration.GetSection($"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Oidc)}").Get<OidcOptions>();
            if (oidc?.Enabled == true)
            {
                // Room for a token up to Broker:Oidc:MaxTokenBytes (at most 64 KiB) besides the other headers, so an oversized one
                // gets the ingress's own counted 401 rather than Kestrel's bare 431 (Kestrel's default is 32 KiB in all).
                kestrel.Limits.MaxRequestHeadersTotalSize = 128 * 1024;
            }
        });

        // The metric contract and the adapters' instrumentation.
        services.AddKnativeEventingMetrics(configuration.GetSection(KnativeEventingMetricsOptions.SectionName));
        services.AddKnativeEventingCloudEvents();
        services.AddKnativeEventingRabbitMQ();
        services.AddKnativeEventingKafka();
        var backend = configuration[$"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Backend)}"];
        services.PostConfigure<KnativeEventingMetricsOptions>(o => o.BrokerClass ??= BackendFactory.BrokerClass(backend));

        // Ingress → broker → backend → dispatcher → subscribers (replies go back through the broker).
        services.AddSingleton(new TopologySource(game ? [GameServices.Manifests] : []));
        services.AddSingleton(sp => sp.GetRequiredService<TopologySource>().Get(sp.GetRequiredService<IOptions<BrokerOptions>>().Value));
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<Ingress.IngressSecurity>();
        services.AddSingleton(sp => BackendFactory.Create(
            sp.GetRequiredService<IOptions<BrokerOptions>>().Value,
            sp.GetRequiredService<KnativeEventingMetrics>(),
            sp.GetRequiredService<RabbitMQ.RabbitMQInstrumentation>,
            sp.GetRequiredService<Kafka.KafkaInstrumentation>,
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<TriggerDispatcher>();
        services.AddSingleton<SubscriberClient>();
        // https subscribers and dead-letter sinks: the CAs of their Destination's CACerts, else the system's (DestinationTrust).
        services.AddHttpClient(SubscriberClient.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var trust = sp.GetRequiredService<Topology>().DestinationTrust;
                return new HttpClientHandler
                {
                    ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) =>
                        trust.Validate(request.RequestUri, certificate, chain, errors),
                };
            })
            .AddCloudEventsInstrumentation();
        services.AddHostedService<BackendHostedService>();
        // The host's own stop deadline must not cut the drain short: the drain, cancelling and closing fit in it.
        services.AddOptions<HostOptions>().Configure<Topology>((host, model) =>
            host.ShutdownTimeout = model.DrainTimeout + ExternalBackend.StopMargin + TimeSpan.FromSeconds(5));

        // The game plugs in as subscribers and default manifests, only when it runs.
        if (game)
        {
            services.AddGame();
        }

        // Health, the banner, the live view.
        services.AddHealthChecks()
            .AddCheck<TriggerConsumersHealthCheck>(TriggerConsumersHealthCheck.Name, tags: [HealthProbes.Live])
            .AddCheck<BackendConnectedHealthCheck>(BackendConnectedHealthCheck.Name, tags: [HealthProbes.Ready]);
        services.AddHostedService<StartupBanner>();
        services.AddSingleton<LiveView>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveView>());

        // Export: Prometheus on the metrics listener, OTLP when an endpoint is configured. Spans always (the SDK's sampler,
        // parentbased_always_on unless OTEL_TRACES_SAMPLER says otherwise), so that latencies carry exemplars: trace-based
        // unless OTEL_METRICS_EXEMPLAR_FILTER says otherwise. OTEL_SDK_DISABLED turns all of it off (the SDK reads it).
        var exemplarFilterSet = !string.IsNullOrEmpty(configuration["OTEL_METRICS_EXEMPLAR_FILTER"]);
        var tracing = configuration.GetValue($"{ExporterOptions.SectionName}:{nameof(ExporterOptions.Tracing)}", defaultValue: true);
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("knative-eventing-metrics-exporter"))
            .WithMetrics(metrics =>
            {
                metrics.AddKnativeEventingInstrumentation().AddPrometheusExporter();
                if (!exemplarFilterSet)
                {
                    metrics.SetExemplarFilter(ExemplarFilterType.TraceBased);
                }
            })
            .WithTracing(builder =>
            {
                if (tracing)
                {
                    builder.AddKnativeEventingInstrumentation().AddProcessor(sp => new TrailRecorder(sp.GetRequiredService<EventTrails>()));
                    if (string.IsNullOrEmpty(configuration["OTEL_TRACES_SAMPLER"]))
                    {
                        // Every event its sender sampled, and one in ten of the others: eight spans an event cost a quarter of
                        // the embedded capacity when every event was sampled (docs/performance.md); OTEL_TRACES_SAMPLER overrides.
                        builder.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(DefaultSampleRatio)));
                    }
                }
            });
        services.AddSingleton(sp => new EventTrails(sp.GetRequiredService<IOptions<ExporterOptions>>().Value.TrailCapacity));
        services.AddOptions<OpenTelemetry.Exporter.PrometheusAspNetCoreOptions>().Configure<IOptions<ExporterOptions>>((prometheus, exporter) =>
        {
            prometheus.ScrapeEndpointPath = exporter.Value.MetricsPath;
            prometheus.ScrapeResponseCacheDurationMilliseconds = exporter.Value.ScrapeCacheMilliseconds;
        });
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
        else if (configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] is { Length: > 0 } traces)
        {
            // Traces only (Knative's config-observability, or the signal's own variable): the endpoint is used as given.
            otel.WithTracing(tracing => tracing.AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = new Uri(traces);
                otlp.Protocol = (configuration["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]) == "grpc"
                    ? OpenTelemetry.Exporter.OtlpExportProtocol.Grpc
                    : OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
            }));
        }
    }
}
