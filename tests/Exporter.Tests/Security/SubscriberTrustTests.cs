using System.Net;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Security;

/// <summary>
/// https subscribers and dead-letter sinks with Knative's <c>CACerts</c>: called trusting exactly those CAs. One whose
/// certificate another CA issued, or one with no <c>CACerts</c> whose CA the machine does not trust, fails every attempt
/// with <c>error.type</c> <c>tls_handshake_failed</c>, is retried and dead-lettered as the trigger says: never accepted.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SubscriberTrustTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-cacerts-").FullName;
    private readonly TestCertificates _ca = new("kem-subscribers-ca");
    private readonly TestCertificates _otherCa = new("kem-other-ca");

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Subscribers_are_trusted_through_their_cacerts_only_and_a_certificate_that_does_not_verify_is_retried_then_dead_lettered()
    {
        using var trustedCertificate = _ca.Issue("trusted");
        using var foreignCertificate = _otherCa.Issue("foreign");
        await using var trusted = await CountingSubscriber.StartAsync(trustedCertificate);
        await using var foreign = await CountingSubscriber.StartAsync(foreignCertificate);
        await using var unlisted = await CountingSubscriber.StartAsync(trustedCertificate);
        await using var deadLetters = await CountingSubscriber.StartAsync(trustedCertificate);
        var caCerts = Indented(_ca.AuthorityPem, 6);
        var manifests = Path.Combine(_directory, "shop.yaml");
        await File.WriteAllTextAsync(manifests, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata:
              name: default
              namespace: shop
            spec:
              delivery:
                retry: 1
                backoffPolicy: linear
                backoffDelay: PT0.01S
                deadLetterSink:
                  uri: {deadLetters.Url}
                  CACerts: |
            {Indented(_ca.AuthorityPem, 8)}
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: trusted
              namespace: shop
            spec:
              broker: default
              subscriber:
                uri: {trusted.Url}
                CACerts: |
            {caCerts}
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: foreign
              namespace: shop
            spec:
              broker: default
              subscriber:
                uri: {foreign.Url}
                CACerts: |
            {caCerts}
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: unlisted
              namespace: shop
            spec:
              broker: default
              subscriber:
                uri: {unlisted.Url}
            """);
        await using var exporter = await RunningExporter.StartAsync("--no-game", "--manifests", manifests);

        foreach (var id in new[] { "e1", "e2", "e3" })
        {
            using var request = BinaryCloudEvent.Post($"{exporter.IngressUrl}/shop/default", id, "order.created", "/shop", "{}"u8.ToArray());
            using var response = await exporter.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total") >= 9, TimeSpan.FromSeconds(30));

        Assert.Equal(["e1", "e2", "e3"], trusted.Order.Order());
        Assert.Equal(3, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "trusted"), ("kn_delivery_outcome", "delivered")));
        foreach (var trigger in new[] { "foreign", "unlisted" })
        {
            // retry 1: two attempts per event, each refused in the handshake; then the dead-letter sink (trusted through its CACerts).
            Assert.Equal(3, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", trigger), ("kn_delivery_outcome", "dead_lettered")));
            Assert.Equal(6, scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("messaging_destination_name", $"trigger:{trigger}.shop"), ("error_type", "tls_handshake_failed")));
        }

        Assert.Equal(0, foreign.Arrived + unlisted.Arrived);
        Assert.Equal(6, deadLetters.Received);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/", "CACerts: |\n      -----BEGIN CERTIFICATE-----\n      MIIB\n      -----END CERTIFICATE-----", "spec.subscriber.CACerts: is only for an https destination")]
    [InlineData("https://127.0.0.1:1/", "CACerts: not a certificate", "spec.subscriber.CACerts: has no PEM certificate")]
    [InlineData("https://127.0.0.1:1/", "audience: my-audience", "spec.subscriber.audience: is not supported: the exporter does not send OIDC tokens to subscribers")]
    public void A_destination_the_exporter_cannot_honour_stops_startup(string uri, string field, string message)
    {
        var path = Path.Combine(_directory, "t.yaml");
        File.WriteAllText(path, $"apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: default\n  namespace: shop\n---\n" +
            $"apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: shop\nspec:\n  broker: default\n  subscriber:\n    uri: {uri}\n    {field}\n");

        var ex = Assert.ThrowsAny<InvalidOperationException>(() => Topology.Build(new BrokerOptions { Manifests = [path] }, []));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    private static string Indented(string text, int spaces) =>
        string.Join('\n', text.Trim().Split('\n').Select(line => new string(' ', spaces) + line.TrimEnd()));
}
