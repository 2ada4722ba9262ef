using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Knative.Eventing.Metrics.Broker.Security;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Security;

/// <summary>
/// The exporter with <c>--oidc-issuer</c> and EventPolicies in its manifests, a real issuer (its own keys, discovery and
/// JWKS on 127.0.0.1) and a real subscriber: only allowed senders' events are stored and delivered; every refusal is a
/// 401 or 403 problem+json, stores nothing, and is counted once on <c>kn.eventing.ingress.duration</c> with its
/// <c>error.type</c> (and the policy that refused, where one did).
/// </summary>
[Trait("Category", "Unit")]
public sealed class SenderAuthenticationFlowTests : IAsyncLifetime, IDisposable
{
    private const string Game = "system:serviceaccount:games:score-reporter";
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-oidc-").FullName;
    private readonly string _audience = BrokerAudience.Of(new BrokerRef("games", "default"));
    private TestIssuer _issuer = null!;
    private CountingSubscriber _subscriber = null!;
    private RunningExporter _exporter = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _subscriber = await CountingSubscriber.StartAsync();
        var manifests = Path.Combine(_directory, "games.yaml");
        await File.WriteAllTextAsync(manifests, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata:
              name: default
              namespace: games
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: all
              namespace: games
            spec:
              broker: default
              subscriber:
                uri: {_subscriber.Url}
            ---
            apiVersion: eventing.knative.dev/v1alpha1
            kind: EventPolicy
            metadata:
              name: scores-only
              namespace: games
            spec:
              to:
                - ref:
                    apiVersion: eventing.knative.dev/v1
                    kind: Broker
                    name: default
              from:
                - sub: {Game}
                - sub: "system:serviceaccount:ops:*"
              filters:
                - prefix:
                    type: dev.knative.game.score
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: config-features
              namespace: knative-eventing
            data:
              authentication-oidc: enabled
              default-authorization-mode: deny-all
            """);
        _exporter = await RunningExporter.StartAsync("--no-game", "--manifests", manifests, "--oidc-issuer", _issuer.Url);
    }

    public async Task DisposeAsync()
    {
        await _exporter.DisposeAsync();
        await _subscriber.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Only_allowed_senders_events_are_stored_and_every_refusal_is_a_counted_401_or_403()
    {
        // Allowed: the policy's subject (exact and by prefix) with a score event.
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync("ok-1", "dev.knative.game.score", _issuer.Token(Game, _audience))).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync("ok-2", "dev.knative.game.score.v2", _issuer.Token("system:serviceaccount:ops:replay", _audience, "ec-1"))).Status);

        // 401: each token check, body not read, nothing stored.
        var unauthenticated = new (string Id, string? Token, string Check)[]
        {
            ("no-token", null, "no Authorization header"),
            ("garbage", "not-a-jwt", "is not a JWT"),
            ("expired", _issuer.Token(Game, _audience, expiresIn: TimeSpan.FromMinutes(-5), notBeforeIn: TimeSpan.FromMinutes(-10)), "expired at"),
            ("not-yet", _issuer.Token(Game, _audience, notBeforeIn: TimeSpan.FromMinutes(10)), "not valid before"),
            ("wrong-issuer", _issuer.Token(Game, _audience, issuer: "https://other.example"), "issuer 'https://other.example'"),
            ("other-broker", _issuer.Token(Game, BrokerAudience.Of(new BrokerRef("games", "other"))), "is not this broker's 'eventing.knative.dev/broker/games/default'"),
            ("alg-none", _issuer.UnsignedToken(Game, _audience), "only RS256 and ES256"),
            ("hs256", _issuer.HmacWithPublicKeyToken(Game, _audience), "only RS256 and ES256"),
            ("unknown-kid", _issuer.TokenWithUnpublishedKey(Game, _audience), "does not publish"),
            ("tampered", _issuer.TamperedToken(Game, _audience), "signature does not verify"),
            ("64-KiB", new string('a', 64 * 1024), "at most 16384 are read"),
        };
        foreach (var (id, token, check) in unauthenticated)
        {
            var (status, body, challenge) = await SendAsync(id, "dev.knative.game.score", token);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{id}: {status} {body}");
            Assert.Contains(check, Problem(body, 401), StringComparison.Ordinal);
            Assert.Equal(token is null ? "Bearer" : "Bearer error=\"invalid_token\"", challenge);
        }

        // 403: authenticated, but the policy's filters refuse the type; and a subject no policy admits.
        var (typeStatus, typeBody, _) = await SendAsync("admin", "dev.knative.game.admin", _issuer.Token(Game, _audience));
        Assert.Equal(HttpStatusCode.Forbidden, typeStatus);
        Assert.Contains("EventPolicy scores-only allows 'system:serviceaccount:games:score-reporter'", Problem(typeBody, 403), StringComparison.Ordinal);
        var (strangerStatus, strangerBody, _) = await SendAsync("stranger", "dev.knative.game.score", _issuer.Token("system:serviceaccount:games:other", _audience));
        Assert.Equal(HttpStatusCode.Forbidden, strangerStatus);
        Assert.Contains("No EventPolicy that applies to broker games/default allows", Problem(strangerBody, 403), StringComparison.Ordinal);

        // Delivered: the two allowed events only. Counted: each refusal once, with its error.type and, for the filter, the policy.
        var scrape = await _exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total") >= 2, TimeSpan.FromSeconds(30));
        Assert.Equal(["ok-1", "ok-2"], _subscriber.Order.Order());
        Assert.Equal(2, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")));
        Assert.Equal(unauthenticated.Length, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "401"), ("error_type", "unauthenticated")));
        Assert.Equal(2, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "403"), ("error_type", "forbidden")));
        Assert.Equal(1, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("error_type", "forbidden"), ("kn_eventpolicy_name", "scores-only")));
        Assert.Equal(2 + unauthenticated.Length + 2, scrape.Sum("kn_eventing_ingress_duration_seconds_count"));
        Assert.Equal(0, scrape.Sum("kn_eventing_events_invalid_total"));

        // The issuer was asked once, then once more for the unknown kid (that request's own fetch, and the key cache's
        // refresh in the background): 15 token checks, at most 3 fetches.
        Assert.InRange(_issuer.Discoveries, 2, 3);
    }

    [Fact]
    public async Task With_the_issuer_down_requests_fail_closed_with_a_counted_401_and_pass_once_it_is_back()
    {
        _issuer.Down = true;
        var token = _issuer.Token(Game, _audience);

        var (status, body, _) = await SendAsync("down", "dev.knative.game.score", token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains($"The issuer's keys could not be fetched from {_issuer.Url}", Problem(body, 401), StringComparison.Ordinal);
        _issuer.Down = false;
        var back = await Poll.UntilAsync(
            async () => (await SendAsync($"back-{Guid.NewGuid():N}", "dev.knative.game.score", token)).Status,
            s => s == HttpStatusCode.Accepted,
            TimeSpan.FromSeconds(20),
            TimeSpan.FromMilliseconds(250)); // the breaker's back-off (1 s, then 2 s, ...) decides when it asks again
        Assert.Equal(HttpStatusCode.Accepted, back);
        var scrape = await _exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total") >= 1, TimeSpan.FromSeconds(30));
        var refused = scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "401"), ("error_type", "unauthenticated"));
        Assert.Equal(scrape.Sum("kn_eventing_ingress_duration_seconds_count") - 1, refused); // every request but the last: a counted 401
        Assert.Equal(1, _subscriber.Received);
    }

    [Fact]
    public async Task A_broker_no_policy_applies_to_follows_default_authorization_mode_and_an_unknown_broker_is_404_before_any_check()
    {
        var (status, body, _) = await SendAsync("x", "dev.knative.game.score", _issuer.Token(Game, BrokerAudience.Of(new BrokerRef("games", "nowhere"))), "games/nowhere");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("There is no broker 'nowhere'", body, StringComparison.Ordinal);
    }

    private static string Problem(string body, int status)
    {
        using var json = JsonDocument.Parse(body);
        Assert.Equal(status, json.RootElement.GetProperty("status").GetInt32());
        return json.RootElement.GetProperty("detail").GetString()!;
    }

    private async Task<(HttpStatusCode Status, string Body, string? Challenge)> SendAsync(string id, string type, string? token, string path = "games/default")
    {
        using var request = BinaryCloudEvent.Post($"{_exporter.IngressUrl}/{path}", id, type, "/games", "{}"u8.ToArray());
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _exporter.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return (response.StatusCode, body, response.Headers.WwwAuthenticate.ToString() is { Length: > 0 } c ? c : null);
    }
}
