namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// A Kubernetes label selector (<c>matchLabels</c> and <c>matchExpressions</c> with <c>In</c>, <c>NotIn</c>, <c>Exists</c>,
/// <c>DoesNotExist</c>), as an EventPolicy's <c>spec.to[].selector</c> uses it: every requirement must hold; an empty
/// selector selects everything (as <c>metav1.LabelSelectorAsSelector</c>).
/// </summary>
internal sealed record LabelSelector(IReadOnlyDictionary<string, string> MatchLabels, IReadOnlyList<LabelRequirement> MatchExpressions)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        MatchLabels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value)
        && MatchExpressions.All(e => e.Matches(labels));
}

/// <summary>One <c>matchExpressions</c> entry.</summary>
internal sealed record LabelRequirement(string Key, string Operator, IReadOnlyList<string> Values)
{
    public static readonly string[] Operators = ["In", "NotIn", "Exists", "DoesNotExist"];

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            "In" => has && Values.Contains(value!, StringComparer.Ordinal),
            "NotIn" => !has || !Values.Contains(value!, StringComparer.Ordinal),
            "Exists" => has,
            _ => !has,
        };
    }
}
