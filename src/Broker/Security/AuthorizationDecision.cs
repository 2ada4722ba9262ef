namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>Whether a sender may send a request's events to a broker, and if not, why.</summary>
/// <param name="Allowed">Whether every event of the request is allowed.</param>
/// <param name="Policy">When refused: the EventPolicy that admitted the sender but whose filters refused an event; null when none admitted
/// it.</param>
/// <param name="Detail">When refused: a sentence for the problem body.</param>
internal readonly record struct AuthorizationDecision(bool Allowed, string? Policy, string? Detail)
{
    public static AuthorizationDecision Allow { get; } = new(true, null, null);

    public static AuthorizationDecision Deny(string detail, string? policy = null) => new(false, policy, detail);
}
