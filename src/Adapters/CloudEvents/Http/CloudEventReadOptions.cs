using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>Options for reading CloudEvents from an HTTP request.</summary>
public sealed class CloudEventReadOptions
{
    /// <summary>The largest body accepted, enforced while reading (default 1 MiB); larger requests get 413.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Whether batch mode (<c>application/cloudevents-batch+json</c>) is accepted. Default true.</summary>
    public bool AllowBatch { get; set; } = true;

    /// <summary>The event format (default: JSON, System.Text.Json).</summary>
    public CloudEventFormatter Formatter { get; set; } = new JsonEventFormatter();

    /// <summary>Known extension attributes with their types; other extensions are read as strings.</summary>
    public IList<CloudEventAttribute> ExtensionAttributes { get; } = new List<CloudEventAttribute>();

    /// <summary>The instruments to record in; when null, the one registered in the request's services (if any).</summary>
    public CloudEventsInstrumentation? Instrumentation { get; set; }
}
