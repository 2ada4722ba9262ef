using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A test certificate authority made with <see cref="CertificateRequest"/>: it issues server certificates for 127.0.0.1,
/// writes them as PEM files (certificate and key apart, as cert-manager's secrets hold them), and makes HTTP clients that
/// trust exactly this CA.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;

    public TestCertificates(string name = "kem-test-ca")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>The CA certificate.</summary>
    public X509Certificate2 Authority => _ca;

    /// <summary>The CA certificate in PEM, as a Knative <c>CACerts</c> field holds it.</summary>
    public string AuthorityPem => _ca.ExportCertificatePem();

    /// <summary>Issues a server certificate for 127.0.0.1 and localhost with common name <paramref name="name"/>.</summary>
    public X509Certificate2 Issue(string name, TimeSpan? validFor = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow + (validFor ?? TimeSpan.FromDays(7)), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="certificate"/> and its key as PEM files, each replaced in one rename (as a secret volume swaps them).</summary>
    public static void Write(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        Replace(keyPath, certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        Replace(certificatePath, certificate.ExportCertificatePem());
    }

    /// <summary>An HTTP client that trusts this CA only (not the machine's), and records the thumbprint of the certificate each new connection got.</summary>
    public HttpClient Client(Action<string>? seen = null) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var leaf = new X509Certificate2(certificate);
                seen?.Invoke(leaf.Thumbprint);
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(_ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(leaf);
            },
        },
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public void Dispose() => _ca.Dispose();

    private static void Replace(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
