using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary>How <see cref="AttributeMatchFilter"/> compares.</summary>
internal enum AttributeMatch
{
    Exact,
    Prefix,
    Suffix,
}

/// <summary>
/// The <c>exact</c>, <c>prefix</c> and <c>suffix</c> dialects of <c>spec.filters</c> (knative/eventing
/// pkg/eventfilter/subscriptionsapi/exact_filter.go, prefix_filter.go, suffix_filter.go): every attribute must
/// be there and match; values are never empty (refused when the manifest is read).
/// </summary>
internal sealed class AttributeMatchFilter(AttributeMatch match, IReadOnlyDictionary<string, string> attributes) : ITriggerFilter
{
    public FilterResult Evaluate(CloudEvent cloudEvent)
    {
        foreach (var (name, expected) in attributes)
        {
            var actual = EventAttributes.Lookup(cloudEvent, name);
            var matches = actual is not null && match switch
            {
                AttributeMatch.Exact => actual == expected,
                AttributeMatch.Prefix => actual.StartsWith(expected, StringComparison.Ordinal),
                _ => actual.EndsWith(expected, StringComparison.Ordinal),
            };
            if (!matches)
            {
                return FilterResult.Fail;
            }
        }

        return FilterResult.Pass;
    }
}
