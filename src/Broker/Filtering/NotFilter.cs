using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary><c>not</c> (knative/eventing pkg/eventfilter/subscriptionsapi/not_filter.go): swaps pass and fail; no filter stays no filter.</summary>
internal sealed class NotFilter(ITriggerFilter filter) : ITriggerFilter
{
    public FilterResult Evaluate(CloudEvent cloudEvent) => filter.Evaluate(cloudEvent) switch
    {
        FilterResult.Pass => FilterResult.Fail,
        FilterResult.Fail => FilterResult.Pass,
        _ => FilterResult.NoFilter,
    };
}
