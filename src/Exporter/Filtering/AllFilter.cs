using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Exporter.Filtering;

/// <summary>
/// <c>all</c>, and the list of <c>spec.filters</c> itself (knative/eventing pkg/eventfilter/subscriptionsapi/all_filter.go):
/// fails as soon as one fails; otherwise the last filter's verdict (no filters: no filter).
/// </summary>
internal sealed class AllFilter(IReadOnlyList<ITriggerFilter> filters) : ITriggerFilter
{
    public FilterResult Evaluate(CloudEvent cloudEvent)
    {
        var result = FilterResult.NoFilter;
        foreach (var filter in filters)
        {
            result = filter.Evaluate(cloudEvent);
            if (result == FilterResult.Fail)
            {
                return result;
            }
        }

        return result;
    }
}
