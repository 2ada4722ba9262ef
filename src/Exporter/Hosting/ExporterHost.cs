using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Manifests;
using Microsoft.Extensions.Configuration.Memory;
namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>Builds the exporter's web application: the command line, the services, the endpoints.</summary>
internal static class ExporterHost
{
    /// <summary>Builds the application from command-line arguments (<see cref="ExporterCommandLine"/>), appsettings.json and environment
    /// variables.</summary>
    /// <exception cref="ArgumentException">The arguments are not understood (unknown switch or configuration section), or ask for help or the
    /// version.</exception>
    /// <remarks>Settings are validated when the application starts, before anything listens (<c>OptionsValidationException</c> naming the
    /// setting).</remarks>
    public static WebApplication Build(string[] args) => Build(ExporterCommandLine.Parse(args));

    /// <summary>Builds the application from a parsed command line (<see cref="ExporterCommandLine.Parse"/>), appsettings.json and environment
    /// variables.</summary>
    /// <exception cref="ArgumentException">The command line asks for help or the version, or has errors.</exception>
    public static WebApplication Build(ExporterCommandLine.Parsed command)
    {
        if (command.ShouldExit)
        {
            throw new ArgumentException(
                command.Errors.Length > 0 ? command.Errors : "The arguments ask for help or the version, not a run.",
                nameof(command));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddCommandLine([.. command.Configuration]);

        // Knative's config-observability in --manifests gives OpenTelemetry's settings their defaults: first source, so
        // appsettings, OTEL_* environment variables and --OTEL_* settings override it.
        var manifests = builder.Configuration.GetSection($"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Manifests)}").Get<List<string>>() ?? [];
        if (manifests.Count > 0)
        {
            var settings = ObservabilityConfigMap.OpenTelemetrySettings(manifests);
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = settings });
        }

        builder.AddExporterServices();

        var app = builder.Build();
        app.MapExporterEndpoints();
        return app;
    }
}
