using Knative.Eventing.Metrics.Exporter.Hosting;

var command = ExporterCommandLine.Parse(args);
if (command.ShouldExit)
{
    return command.Run(); // --help, --version (exit 0) or wrong arguments (exit 1, naming them)
}

var app = ExporterHost.Build(args);
await app.RunAsync();
return 0;
