using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Filtering;

namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// A Knative <c>eventing.knative.dev/v1alpha1</c> EventPolicy as the exporter applies it (knative/eventing 8cf4c4b6,
/// pkg/apis/eventing/v1alpha1/eventpolicy_types.go; pkg/auth/event_policy.go:49-109 and 219-238).
/// </summary>
/// <param name="Namespace">Its namespace: it applies to brokers of this namespace only.</param>
/// <param name="Name">Its name (the order policies are tried in, and <c>kn.eventpolicy.name</c> on a refusal).</param>
/// <param name="To">The brokers it applies to; empty: every broker of its namespace.</param>
/// <param name="From">The subjects it allows: exact (compared ignoring case, as upstream) or a prefix ending in <c>*</c>; empty: nobody.</param>
/// <param name="Filter">What the events must pass (<c>spec.filters</c>, the subscriptions-API dialects); null: any event.</param>
/// <param name="Where">The manifest document, for messages.</param>
internal sealed record EventPolicy(
    string Namespace,
    string Name,
    IReadOnlyList<EventPolicyTarget> To,
    IReadOnlyList<string> From,
    ITriggerFilter? Filter,
    string Where)
{
    /// <summary>Whether it applies to <paramref name="broker"/>, whose labels are <paramref name="labels"/>.</summary>
    public bool AppliesTo(BrokerRef broker, IReadOnlyDictionary<string, string> labels) =>
        broker.Namespace == Namespace && (To.Count == 0 || To.Any(t => t.Matches(broker.Name, labels)));

    /// <summary>Whether <paramref name="subject"/> is one of its senders (pkg/auth/event_policy.go:229).</summary>
    public bool Admits(string subject) => From.Any(s =>
        string.Equals(s, subject, StringComparison.OrdinalIgnoreCase)
        || (s.EndsWith('*') && subject.StartsWith(s[..^1], StringComparison.Ordinal)));

    /// <summary>Whether <paramref name="cloudEvent"/> passes its filters (every verdict but fail passes, as upstream).</summary>
    public bool Passes(CloudEvent cloudEvent) => Filter is null || Filter.Matches(cloudEvent);
}

/// <summary>One <c>spec.to</c> entry that can name a broker: a Broker by name, or a selector on brokers' labels.</summary>
internal sealed record EventPolicyTarget(string? BrokerName, LabelSelector? Selector)
{
    public bool Matches(string broker, IReadOnlyDictionary<string, string> labels) =>
        BrokerName is not null ? string.Equals(BrokerName, broker, StringComparison.OrdinalIgnoreCase) : Selector?.Matches(labels) ?? false;
}
