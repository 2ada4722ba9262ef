namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>The validated <c>Broker:Oidc</c> settings.</summary>
/// <param name="Issuer">The issuer: https, or http on a loopback address.</param>
/// <param name="ClockSkew">Leeway on <c>exp</c> and <c>nbf</c>.</param>
/// <param name="KeysTimeout">How long a request waits for the issuer's keys when none are cached.</param>
/// <param name="MaxTokenBytes">The largest token read.</param>
internal sealed record OidcSettings(Uri Issuer, TimeSpan ClockSkew, TimeSpan KeysTimeout, int MaxTokenBytes);
