namespace Knative.Eventing.Metrics.Broker.Filtering.Cesql;

/// <summary>What an evaluation reads (the event's attributes) and the errors it collects.</summary>
/// <param name="Lookup">The value of an attribute (Boolean, Integer or String), or null when the event does not have it.</param>
internal sealed class CesqlContext(Func<string, object?> Lookup)
{
    public List<CesqlError> Errors { get; } = [];

    public object? Attribute(string name) => Lookup(name);
}
