using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary>
/// The Trigger's <c>spec.filter.attributes</c> (knative/eventing pkg/eventfilter/attributes/filter.go): every
/// attribute must equal its value; the empty value means "any value", but the attribute must be set and not
/// empty. No attribute: no filter.
/// </summary>
internal sealed class AttributesFilter(IReadOnlyDictionary<string, string> attributes) : ITriggerFilter
{
    public FilterResult Evaluate(CloudEvent cloudEvent)
    {
        if (attributes.Count == 0)
        {
            return FilterResult.NoFilter;
        }

        foreach (var (name, expected) in attributes)
        {
            var actual = EventAttributes.Lookup(cloudEvent, name);
            if (actual is null || (expected.Length == 0 ? actual.Length == 0 : actual != expected))
            {
                return FilterResult.Fail;
            }
        }

        return FilterResult.Pass;
    }
}
