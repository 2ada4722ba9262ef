namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// Turns a Knative Destination (<c>uri</c>, or <c>ref</c> with an optional relative <c>uri</c>) into a URL.
/// There is no cluster to ask for a reference's address, so each reference needs an explicit mapping
/// <c>--resolve Kind/namespace/name=url</c> (setting <c>Broker:Resolve</c>).
/// </summary>
internal sealed class DestinationResolver
{
    private readonly Dictionary<string, Uri> _addresses = new(StringComparer.Ordinal);

    /// <summary>The CAs the Destinations' <c>CACerts</c> trust, per https authority.</summary>
    public Security.DestinationTrust Trust { get; } = new();

    /// <exception cref="ManifestException">An entry is not <c>Kind/namespace/name=url</c>.</exception>
    public DestinationResolver(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            var parts = entry.Split('=', 2);
            var key = parts[0].Trim();
            if (parts.Length != 2 || key.Split('/') is not [{ Length: > 0 }, { Length: > 0 }, { Length: > 0 }]
                || !Uri.TryCreate(parts[1].Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https" or "inproc"))
            {
                throw new ManifestException($"--resolve '{entry}': expected Kind/namespace/name=url with an http(s):// or inproc:// URL, e.g. " +
                    $"Service/demo/audit=http://127.0.0.1:8081/");
            }

            _addresses[key] = url;
        }
    }

    /// <summary>The URL of a Destination mapping (<c>spec.subscriber</c>, <c>deadLetterSink</c>) in namespace <paramref
    /// name="defaultNamespace"/>.</summary>
    public Uri Resolve(ManifestNode destination, string defaultNamespace)
    {
        var address = Address(destination, defaultNamespace);
        if (destination.String("CACerts") is { } pem)
        {
            if (address.Scheme != Uri.UriSchemeHttps)
            {
                throw destination.Error("CACerts", $"is only for an https destination (this one is {address})");
            }

            var authorities = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            try
            {
                authorities.ImportFromPem(pem);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                throw destination.Error("CACerts", $"is not PEM certificates ({ex.Message})");
            }

            if (authorities.Count == 0)
            {
                throw destination.Error("CACerts", "has no PEM certificate (-----BEGIN CERTIFICATE-----)");
            }

            if (!Trust.Add(address, authorities))
            {
                throw destination.Error(
                    "CACerts",
                    $"differs from the CACerts another Destination gives for {address.GetLeftPart(UriPartial.Authority)}");
            }
        }

        return address;
    }

    private Uri Address(ManifestNode destination, string defaultNamespace)
    {
        var uri = destination.String("uri");
        var reference = destination.Mapping("ref");
        if (destination.String("audience") is not null)
        {
            throw destination.Error(
                "audience",
                "is not supported: the exporter does not send OIDC tokens to subscribers (it checks senders' tokens: --oidc-issuer)");
        }

        destination.String("CACerts");
        destination.RejectUnknown("uri, ref, CACerts");
        if (reference is null)
        {
            if (uri is null)
            {
                throw destination.Error(string.Empty, "needs uri or ref");
            }

            return Uri.TryCreate(uri, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" or "inproc"
                ? absolute
                : throw destination.Error("uri", $"'{uri}' is not an absolute http(s):// or inproc:// URI");
        }

        var kind = reference.RequiredString("kind");
        var name = reference.RequiredString("name");
        var ns = reference.String("namespace") ?? defaultNamespace;
        reference.String("apiVersion");
        reference.RejectUnknown("apiVersion, kind, name, namespace");
        var key = $"{kind}/{ns}/{name}";
        if (!_addresses.TryGetValue(key, out var address))
        {
            throw destination.Error(
                "ref",
                $"{key} has no address here: there is no cluster to resolve it; give one with --resolve {key}=http://host:port/");
        }

        if (uri is null)
        {
            return address;
        }

        // Knative resolves a uri next to a ref relative to the ref's address.
        return Uri.TryCreate(uri, UriKind.Relative, out var relative)
            ? new Uri(address, relative)
            : throw destination.Error("uri", $"'{uri}' beside a ref must be a relative path");
    }
}
