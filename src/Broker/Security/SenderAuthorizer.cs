using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// Decides whether an authenticated sender may send events to a broker, as Knative's verifier does (knative/eventing
/// 8cf4c4b6, pkg/auth/verifier.go:181-219, pkg/auth/event_policy.go:219-238):
/// <list type="bullet">
/// <item>When EventPolicies apply to the broker, a policy must admit the subject (<c>spec.from</c>) and every event of the
/// request must pass that policy's <c>spec.filters</c>. Policies are tried by name; where upstream stops at the first policy
/// whose subjects match (and refuses if its filters fail), the exporter also tries the next ones that admit the subject, so
/// a sender allowed by any applying policy is allowed (docs/security.md says why).</item>
/// <item>When none applies, <see cref="Mode"/> decides: <c>allow-same-namespace</c> (subjects
/// <c>system:serviceaccount:&lt;namespace&gt;:</c>...), <c>allow-all</c> or <c>deny-all</c>.</item>
/// </list>
/// A batch is allowed only if every event is: it is stored all or none.
/// </summary>
internal sealed class SenderAuthorizer
{
    private const string ServiceAccountPrefix = "system:serviceaccount";
    private readonly Dictionary<BrokerRef, EventPolicy[]> _applying;

    public SenderAuthorizer(
        IEnumerable<(BrokerRef Broker, IReadOnlyDictionary<string, string> Labels)> brokers,
        IReadOnlyList<EventPolicy> policies,
        AuthorizationMode mode)
    {
        Mode = mode;
        Policies = policies;
        _applying = brokers.ToDictionary(
            b => b.Broker,
            b => policies.Where(p => p.AppliesTo(b.Broker, b.Labels)).OrderBy(p => p.Name, StringComparer.Ordinal).ToArray());
    }

    /// <summary>What decides for brokers no policy applies to.</summary>
    public AuthorizationMode Mode { get; }

    /// <summary>Every policy loaded.</summary>
    public IReadOnlyList<EventPolicy> Policies { get; }

    /// <summary>The policies that apply to <paramref name="broker"/>, by name.</summary>
    public IReadOnlyList<EventPolicy> PoliciesOf(BrokerRef broker) => _applying.GetValueOrDefault(broker) ?? [];

    /// <summary>Whether <paramref name="subject"/> may send <paramref name="events"/> to <paramref name="broker"/>.</summary>
    public AuthorizationDecision Authorize(BrokerRef broker, string subject, IReadOnlyList<CloudEvent> events)
    {
        var applying = PoliciesOf(broker);
        if (applying.Count == 0)
        {
            return Mode switch
            {
                AuthorizationMode.AllowAll => AuthorizationDecision.Allow,
                AuthorizationMode.DenyAll => AuthorizationDecision.Deny(
                    $"No EventPolicy applies to broker {broker.Namespace}/{broker.Name} and default-authorization-mode is deny-all."),
                _ => subject.StartsWith($"{ServiceAccountPrefix}:{broker.Namespace}:", StringComparison.Ordinal)
                    ? AuthorizationDecision.Allow
                    : AuthorizationDecision.Deny(
                        $"No EventPolicy applies to broker {broker.Namespace}/{broker.Name}, and default-authorization-mode " +
                            $"allow-same-namespace allows only service accounts of namespace '{broker.Namespace}'; " +
                            $"the token is from '{Shorten(subject)}'."),
            };
        }

        EventPolicy? refusing = null;
        foreach (var policy in applying)
        {
            if (!policy.Admits(subject))
            {
                continue;
            }

            if (events.All(policy.Passes))
            {
                return AuthorizationDecision.Allow;
            }

            refusing ??= policy;
        }

        if (refusing is not null)
        {
            var refused = events.First(e => !refusing.Passes(e));
            return AuthorizationDecision.Deny(
                $"EventPolicy {refusing.Name} allows '{Shorten(subject)}' to send to broker {broker.Namespace}/{broker.Name}, but not this event " +
                    $"(type '{Shorten(refused.Type)}'): it does not pass the policy's filters.",
                refusing.Name);
        }

        return AuthorizationDecision.Deny(
            $"No EventPolicy that applies to broker {broker.Namespace}/{broker.Name} allows '{Shorten(subject)}' to send to it.");
    }

    private static string Shorten(string? value) => value is null ? string.Empty : value.Length > 120 ? value[..120] + "…" : value;
}
