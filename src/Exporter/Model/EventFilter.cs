using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Exporter.Model;

/// <summary>Knative's trigger filter: every exact, prefix and suffix condition must hold (no condition: everything matches).</summary>
internal sealed class EventFilter(IReadOnlyDictionary<string, string> exact, IReadOnlyDictionary<string, string> prefix, IReadOnlyDictionary<string, string> suffix)
{
    public bool Matches(CloudEvent cloudEvent)
    {
        foreach (var (name, value) in exact)
        {
            if (Value(cloudEvent, name) != value)
            {
                return false;
            }
        }

        foreach (var (name, value) in prefix)
        {
            if (Value(cloudEvent, name) is not { } actual || !actual.StartsWith(value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        foreach (var (name, value) in suffix)
        {
            if (Value(cloudEvent, name) is not { } actual || !actual.EndsWith(value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string? Value(CloudEvent cloudEvent, string name)
    {
        var attribute = cloudEvent.GetAttribute(name);
        return attribute is null || cloudEvent[attribute] is not { } value ? null : attribute.Format(value);
    }
}
