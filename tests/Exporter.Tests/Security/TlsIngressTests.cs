using System.Collections.Concurrent;
using System.Net;
using Knative.Eventing.Metrics.Exporter.Listening;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Tests.Security;

/// <summary>
/// The ingress over HTTPS with <c>--tls-cert</c>/<c>--tls-key</c> from a test CA: events are accepted over TLS 1.2+, a
/// rotated certificate is served to new connections without rebinding the listener (an open connection goes on), a
/// rotation to files that do not load keeps the current certificate, and bad files stop startup naming the setting.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TlsIngressTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-tls-").FullName;
    private readonly TestCertificates _ca = new();

    private string CertificatePath => Path.Combine(_directory, "tls.crt");

    private string KeyPath => Path.Combine(_directory, "tls.key");

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_ingress_serves_https_and_new_connections_get_a_rotated_certificate_while_open_ones_go_on()
    {
        using var first = _ca.Issue("ingress-1");
        TestCertificates.Write(first, CertificatePath, KeyPath);
        await using var exporter = await RunningExporter.StartAsync("--tls-cert", CertificatePath, "--tls-key", KeyPath, "--players", "0");
        Assert.StartsWith("https://127.0.0.1:", exporter.IngressUrl, StringComparison.Ordinal);

        var seen = new ConcurrentQueue<string>();
        using var client = _ca.Client(seen.Enqueue);
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(client, exporter, "before"));
        Assert.Equal([first.Thumbprint], seen);

        using var second = _ca.Issue("ingress-2");
        TestCertificates.Write(second, CertificatePath, KeyPath);
        var source = exporter.Service<Listeners>().Tls!;
        Assert.Equal(second.Thumbprint, await Poll.UntilAsync(() => Task.FromResult(source.Current.Thumbprint), t => t == second.Thumbprint, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));

        // The open (kept-alive) connection goes on with its handshake; a new client gets the new certificate.
        Assert.Equal(HttpStatusCode.Accepted, await SendAsync(client, exporter, "same-connection"));
        Assert.Equal([first.Thumbprint], seen);
        var seenByNew = new ConcurrentQueue<string>();
        using (var fresh = _ca.Client(seenByNew.Enqueue))
        {
            Assert.Equal(HttpStatusCode.Accepted, await SendAsync(fresh, exporter, "after"));
        }

        Assert.Equal([second.Thumbprint], seenByNew);
        Assert.Equal(1, source.Reloads);

        // A rotation to a key that does not match keeps the current certificate.
        using var third = _ca.Issue("ingress-3");
        File.WriteAllText(CertificatePath, third.ExportCertificatePem()); // the key file still holds the second key
        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_ingress_duration_seconds_count") >= 3, TimeSpan.FromSeconds(10));
        Assert.Equal(3, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")));
        using (var again = _ca.Client())
        {
            Assert.Equal(HttpStatusCode.Accepted, await SendAsync(again, exporter, "after-bad-rotation"));
        }

        Assert.Equal(second.Thumbprint, source.Current.Thumbprint);
    }

    [Fact]
    public async Task Plain_http_to_the_https_ingress_gets_no_event_in()
    {
        using var certificate = _ca.Issue("ingress");
        TestCertificates.Write(certificate, CertificatePath, KeyPath);
        await using var exporter = await RunningExporter.StartAsync("--tls-cert", CertificatePath, "--tls-key", KeyPath, "--players", "0");

        using var plain = new HttpClient();
        using var request = BinaryCloudEvent.Post(exporter.IngressUrl.Replace("https://", "http://", StringComparison.Ordinal) + "/demo/default", "p", "t", "/s", "{}"u8.ToArray());
        var response = await Record.ExceptionAsync(async () => (await plain.SendAsync(request)).EnsureSuccessStatusCode());

        Assert.NotNull(response);
        Assert.Equal(0, (await exporter.ScrapeUntilAsync(_ => true, TimeSpan.FromSeconds(5))).Sum("kn_eventing_ingress_duration_seconds_count"));
    }

    [Fact]
    public async Task The_games_players_post_over_https_trusting_the_ingress_certificate_they_were_not_told_about()
    {
        using var certificate = _ca.Issue("ingress");
        TestCertificates.Write(certificate, CertificatePath, KeyPath);
        await using var exporter = await RunningExporter.StartAsync("--tls-cert", CertificatePath, "--tls-key", KeyPath, "--max-events", "20");

        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_ingress_duration_seconds_count") >= 20, TimeSpan.FromSeconds(30));

        Assert.Equal(20, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")));
    }

    [Theory]
    [InlineData("cert-only", "Exporter:TlsKey is missing: HTTPS needs both the certificate (--tls-cert) and its key (--tls-key).")]
    [InlineData("wrong-key", "Exporter:TlsCertificate/TlsKey: ")]
    [InlineData("expired", "is not valid now")]
    [InlineData("https-without-tls", "Exporter:IngressUrl is https, which needs the certificate and key: --tls-cert and --tls-key")]
    public async Task Bad_certificate_settings_stop_startup_naming_the_setting(string setting, string message)
    {
        using var good = _ca.Issue("ingress");
        using var other = _ca.Issue("other");
        TestCertificates.Write(good, CertificatePath, KeyPath);
        string[] args = setting switch
        {
            "cert-only" => ["--tls-cert", CertificatePath],
            "wrong-key" => ["--tls-cert", Write("other.crt", other.ExportCertificatePem()), "--tls-key", KeyPath],
            "expired" => Expired(),
            _ => ["--Exporter:IngressUrl", "https://127.0.0.1:0"],
        };

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAndStopAsync(args));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private string[] Expired()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=old", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var old = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));
        return ["--tls-cert", Write("old.crt", old.ExportCertificatePem()), "--tls-key", Write("old.key", key.ExportPkcs8PrivateKeyPem())];
    }

    private static async Task StartAndStopAsync(string[] args)
    {
        await using var exporter = await RunningExporter.StartAsync(args);
    }

    private string Write(string file, string text)
    {
        var path = Path.Combine(_directory, file);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, RunningExporter exporter, string id)
    {
        using var request = BinaryCloudEvent.Post($"{exporter.IngressUrl}/demo/default", id, "dev.knative.test", "/tls", "{}"u8.ToArray());
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
