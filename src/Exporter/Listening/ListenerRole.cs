namespace Knative.Eventing.Metrics.Exporter.Listening;

/// <summary>What a Kestrel listener serves; stored on each connection so routes can tell the listeners apart.</summary>
[Flags]
internal enum ListenerRole
{
    /// <summary>No role (the zero value a flags enum needs, CA1008).</summary>
    None = 0,

    /// <summary>The ingress, status page and health endpoints.</summary>
    Ingress = 1,

    /// <summary>The Prometheus scrape endpoint.</summary>
    Metrics = 2,
}
