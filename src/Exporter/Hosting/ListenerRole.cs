namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>What a Kestrel listener serves; stored on each connection so routes can tell the listeners apart.</summary>
[Flags]
public enum ListenerRole
{
    None = 0,
    Ingress = 1,
    Metrics = 2,
}
