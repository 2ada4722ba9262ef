namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary>
/// A filter's verdict, three-valued as in Knative (knative/eventing pkg/eventfilter/filter.go): an event is
/// delivered unless a filter says <see cref="Fail"/>; <see cref="NoFilter"/> is what an empty filter says.
/// </summary>
internal enum FilterResult
{
    /// <summary>The filter has nothing to say (no condition).</summary>
    NoFilter,

    /// <summary>The event passes.</summary>
    Pass,

    /// <summary>The event is not for this trigger.</summary>
    Fail,
}
