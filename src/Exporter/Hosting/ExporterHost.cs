namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>Builds the exporter's web application: the command line, the services, the endpoints.</summary>
internal static class ExporterHost
{
    /// <summary>Builds the application from command-line arguments (<see cref="ExporterCommandLine"/>), appsettings.json and environment variables.</summary>
    /// <exception cref="ArgumentException">The arguments are not understood (unknown switch or configuration section), or ask for help or the version.</exception>
    /// <remarks>Settings are validated when the application starts, before anything listens (<c>OptionsValidationException</c> naming the setting).</remarks>
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
        builder.AddExporterServices();

        var app = builder.Build();
        app.MapExporterEndpoints();
        return app;
    }
}
