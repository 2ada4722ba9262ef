using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// Which certificate authorities an https subscriber or dead-letter sink is trusted through: the <c>CACerts</c> of its
/// Destination in the manifests (Knative's duckv1.Destination, PEM), exactly those and not the machine's; without
/// <c>CACerts</c>, the machine's trust store. Keyed by the destination's authority (scheme, host, port), since a
/// connection is pooled per authority. A certificate that does not verify fails the attempt (<c>error.type</c>
/// <see cref="Knative.Eventing.Metrics.ErrorTypes.TlsHandshakeFailed"/>): retried and dead-lettered as the trigger says, never accepted.
/// </summary>
internal sealed class DestinationTrust
{
    private readonly Dictionary<string, X509Certificate2Collection> _authorities = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Authorities with their own CAs.</summary>
    public int Count => _authorities.Count;

    /// <summary>Trusts <paramref name="authorities"/> for <paramref name="destination"/>'s authority.</summary>
    /// <returns>False when that authority already has other CAs (two Destinations disagree about one server).</returns>
    public bool Add(Uri destination, X509Certificate2Collection authorities)
    {
        var key = destination.GetLeftPart(UriPartial.Authority);
        if (_authorities.TryGetValue(key, out var existing))
        {
            return existing.Count == authorities.Count
                && existing.Cast<X509Certificate2>().Zip(authorities.Cast<X509Certificate2>()).All(p => p.First.Thumbprint == p.Second.Thumbprint);
        }

        _authorities[key] = authorities;
        return true;
    }

    /// <summary>Whether <paramref name="certificate"/>, presented by <paramref name="destination"/>, is trusted.</summary>
    public bool Validate(Uri? destination, X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (destination is null || certificate is null
            || !_authorities.TryGetValue(destination.GetLeftPart(UriPartial.Authority), out var authorities))
        {
            return errors == SslPolicyErrors.None;
        }

        // The name must match whatever the CA; the chain must end at one of the Destination's CAs (not the machine's).
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }
}
