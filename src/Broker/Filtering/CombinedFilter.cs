using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary>
/// <c>all</c> (and the list of <c>spec.filters</c> itself) and <c>any</c>, as knative/eventing
/// pkg/eventfilter/subscriptionsapi/all_filter.go and any_filter.go evaluate them: in order, stopping at the
/// first decisive verdict (<see cref="FilterResult.Fail"/> for all, <see cref="FilterResult.Pass"/> for any);
/// otherwise the last filter's verdict, and no filters at all is no filter.
/// </summary>
internal sealed class CombinedFilter : ITriggerFilter
{
    private readonly FilterResult _decisive;
    private readonly IReadOnlyList<ITriggerFilter> _filters;

    private CombinedFilter(FilterResult decisive, IReadOnlyList<ITriggerFilter> filters)
    {
        _decisive = decisive;
        _filters = filters;
    }

    /// <summary>Every filter must pass.</summary>
    public static CombinedFilter All(IReadOnlyList<ITriggerFilter> filters) => new(FilterResult.Fail, filters);

    /// <summary>One filter passing is enough.</summary>
    public static CombinedFilter Any(IReadOnlyList<ITriggerFilter> filters) => new(FilterResult.Pass, filters);

    public FilterResult Evaluate(CloudEvent cloudEvent)
    {
        var result = FilterResult.NoFilter;
        foreach (var filter in _filters)
        {
            result = filter.Evaluate(cloudEvent);
            if (result == _decisive)
            {
                return result;
            }
        }

        return result;
    }
}
