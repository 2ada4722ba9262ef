using Knative.Eventing.Metrics.Exporter.Hosting;

var app = ExporterHost.Build(args);
await app.RunAsync();
