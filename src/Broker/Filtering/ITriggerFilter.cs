using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary>A trigger's filter, or one part of it.</summary>
internal interface ITriggerFilter
{
    FilterResult Evaluate(CloudEvent cloudEvent);
}

/// <summary>Helpers on filters.</summary>
internal static class TriggerFilters
{
    /// <summary>Whether the trigger takes the event: every verdict but <see cref="FilterResult.Fail"/>.</summary>
    public static bool Matches(this ITriggerFilter filter, CloudEvent cloudEvent) => filter.Evaluate(cloudEvent) != FilterResult.Fail;
}
