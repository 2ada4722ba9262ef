namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>What checking a request's token found: the sender's subject, or the check that failed and why.</summary>
/// <param name="Subject">The token's <c>sub</c> (e.g. <c>system:serviceaccount:ns:name</c>) when every check passed.</param>
/// <param name="Check">On failure, the check that failed, as a short key (<c>missing</c>, <c>signature</c>, <c>audience</c>, ...).</param>
/// <param name="Detail">On failure, a sentence for the problem body (never the token itself).</param>
internal readonly record struct SenderAuthentication(string? Subject, string? Check, string? Detail)
{
    /// <summary>Whether every check passed.</summary>
    public bool Succeeded => Subject is not null;

    public static SenderAuthentication Passed(string subject) => new(subject, null, null);

    public static SenderAuthentication Failed(string check, string detail) => new(null, check, detail);
}
