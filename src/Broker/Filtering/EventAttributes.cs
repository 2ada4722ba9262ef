using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Filtering;

/// <summary>
/// An event attribute as Knative's filters read it (knative/eventing pkg/eventfilter/attributes/filter.go,
/// LookupAttribute): a context attribute of the spec is always there, the empty string when unset; an
/// extension is there only when set; values are compared as their canonical string.
/// </summary>
internal static class EventAttributes
{
    private static readonly HashSet<string> ContextAttributes = new(StringComparer.Ordinal)
    {
        "specversion", "type", "source", "subject", "id", "time", "dataschema", "datacontenttype",
    };

    /// <summary>The attribute's value, or null when the event has no such extension.</summary>
    public static string? Lookup(CloudEvent cloudEvent, string name)
    {
        if (name == "specversion")
        {
            return cloudEvent.SpecVersion.VersionId;
        }

        var attribute = cloudEvent.GetAttribute(name);
        if (attribute is not null && cloudEvent[attribute] is { } value)
        {
            return attribute.Format(value);
        }

        return ContextAttributes.Contains(name) ? string.Empty : null;
    }
}
