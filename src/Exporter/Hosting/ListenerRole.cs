namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>What a Kestrel listener serves; stored on each connection so routes can tell the listeners apart.</summary>
[Flags]
public enum ListenerRole
{
    /// <summary>No role (the zero value a flags enum needs, CA1008).</summary>
    None = 0,

    /// <summary>The ingress, status page and health endpoints.</summary>
    Ingress = 1,

    /// <summary>The Prometheus scrape endpoint.</summary>
    Metrics = 2,
}
