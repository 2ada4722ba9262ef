namespace Knative.Eventing.Metrics.Broker.Configuration;

/// <summary>
/// <c>Broker:Oidc</c>: Knative's <c>authentication-oidc</c> feature on the ingress. With <see cref="Issuer"/> set, every
/// request must carry <c>Authorization: Bearer &lt;JWT&gt;</c> from that issuer whose audience is the broker's
/// (<c>eventing.knative.dev/broker/&lt;namespace&gt;/&lt;name&gt;</c>); EventPolicies in the manifests then say who may send what.
/// </summary>
internal sealed class OidcOptions
{
    /// <summary>The issuer (<c>--oidc-issuer</c>): its <c>/.well-known/openid-configuration</c> names the keys; https, or http on loopback
    /// only.</summary>
    public string? Issuer { get; set; }

    /// <summary>How far <c>exp</c> and <c>nbf</c> may be off the exporter's clock (ISO 8601; 0 to 5 minutes).</summary>
    public string ClockSkew { get; set; } = "PT30S";

    /// <summary>How long a request waits for the issuer's discovery document and keys when none are cached (ISO 8601; 0.1 to 30 s).</summary>
    public string KeysTimeout { get; set; } = "PT2S";

    /// <summary>The largest token accepted, in bytes (1,024 to 65,536); a larger one is refused unread.</summary>
    public int MaxTokenBytes { get; set; } = 16 * 1024;

    /// <summary>Whether sender authentication is on.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Issuer);
}
