namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>A Knative manifest the exporter cannot run as written; the message names the file, the document and the field.</summary>
internal sealed class ManifestException(string message) : InvalidOperationException(message);
