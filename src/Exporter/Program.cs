using Knative.Eventing.Metrics.Exporter.Hosting;
using Microsoft.Extensions.Options;

var command = ExporterCommandLine.Parse(args);
if (command.ShouldExit)
{
    return command.Run(); // --help, --version (exit 0) or wrong arguments (exit 1, naming them)
}

WebApplication app;
try
{
    app = ExporterHost.Build(command); // the command line is parsed once, above
    await app.StartAsync();
}
catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException)
{
    // A setting or the machine is wrong (the message names which): say so, without a stack trace.
    Console.Error.WriteLine($"The exporter did not start: {ex.Message}");
    return 1;
}

await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
