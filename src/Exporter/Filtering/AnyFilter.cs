using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Exporter.Filtering;

/// <summary>
/// <c>any</c> (knative/eventing pkg/eventfilter/subscriptionsapi/any_filter.go): passes as soon as one passes;
/// otherwise the last filter's verdict.
/// </summary>
internal sealed class AnyFilter(IReadOnlyList<ITriggerFilter> filters) : ITriggerFilter
{
    public FilterResult Evaluate(CloudEvent cloudEvent)
    {
        var result = FilterResult.NoFilter;
        foreach (var filter in filters)
        {
            result = filter.Evaluate(cloudEvent);
            if (result == FilterResult.Pass)
            {
                return result;
            }
        }

        return result;
    }
}
