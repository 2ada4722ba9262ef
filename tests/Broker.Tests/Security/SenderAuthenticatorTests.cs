using Knative.Eventing.Metrics.Broker.Security;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Knative.Eventing.Metrics.Broker.Tests.Security;

/// <summary>
/// The token check against a real issuer (discovery and JWKS over HTTP on 127.0.0.1, its own RSA and EC keys, real JWTs):
/// what passes, and every bad token refused with the check that failed.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SenderAuthenticatorTests : IAsyncLifetime
{
    private const string Subject = "system:serviceaccount:demo:producer";
    private static readonly string Audience = BrokerAudience.Of(new BrokerRef("demo", "default"));
    private TestIssuer _issuer = null!;
    private HttpClient _http = null!;
    private SenderAuthenticator _authenticator = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _http = new HttpClient();
        _authenticator = Authenticator(TimeSpan.FromSeconds(2));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _issuer.DisposeAsync();
    }

    [Fact]
    public void The_audience_is_knatives_for_a_broker()
    {
        // knative/eventing pkg/auth/audience.go:28-32: group/kind/namespace/name, lower case.
        Assert.Equal("eventing.knative.dev/broker/demo/default", Audience);
        Assert.Equal("eventing.knative.dev/broker/shop/orders", BrokerAudience.Of(new BrokerRef("shop", "orders")));
    }

    [Theory]
    [InlineData("rsa-1")]
    [InlineData("ec-1")]
    public async Task A_token_of_the_issuer_for_the_brokers_audience_passes_with_its_subject(string kid)
    {
        var result = await CheckAsync($"Bearer {_issuer.Token(Subject, Audience, kid)}");

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(Subject, result.Subject);
    }

    [Fact]
    public async Task A_token_that_passed_for_one_broker_is_still_refused_for_another()
    {
        var token = $"Bearer {_issuer.Token(Subject, Audience)}";
        Assert.True((await CheckAsync(token)).Succeeded);
        Assert.True((await CheckAsync(token)).Succeeded); // again: remembered

        var other = await _authenticator.AuthenticateAsync(token, BrokerAudience.Of(new BrokerRef("demo", "other")), CancellationToken.None);

        Assert.Equal("audience", other.Check);
    }

    [Fact]
    public async Task The_keys_are_fetched_once_and_cached()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await CheckAsync($"Bearer {_issuer.Token(Subject, Audience)}")).Succeeded);
        }

        Assert.Equal(1, _issuer.Discoveries);
        Assert.Equal(1, _issuer.JwksRequests);
    }

    public static TheoryData<string, string> BadTokens() => new()
    {
        { "none", "missing" },
        { "basic", "scheme" },
        { "garbage", "malformed" },
        { "expired", "expiry" },
        { "no-exp", "expiry" },
        { "not-yet-valid", "not-before" },
        { "wrong-issuer", "issuer" },
        { "other-brokers-audience", "audience" },
        { "alg-none", "algorithm" },
        { "hs256-with-public-key", "algorithm" },
        { "unknown-kid", "key" },
        { "tampered", "signature" },
        { "64-KiB", "size" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_bad_token_is_refused_naming_the_check_that_failed(string token, string check)
    {
        var header = token switch
        {
            "none" => null,
            "basic" => "Basic dXNlcjpwYXNz",
            "garbage" => "Bearer not.a-jwt",
            "expired" => $"Bearer {_issuer.Token(Subject, Audience, expiresIn: TimeSpan.FromMinutes(-5), notBeforeIn: TimeSpan.FromMinutes(-10))}",
            "no-exp" => $"Bearer {_issuer.Token(Subject, Audience, withExpiry: false)}",
            "not-yet-valid" => $"Bearer {_issuer.Token(Subject, Audience, notBeforeIn: TimeSpan.FromMinutes(5))}",
            "wrong-issuer" => $"Bearer {_issuer.Token(Subject, Audience, issuer: "https://issuer.example")}",
            "other-brokers-audience" => $"Bearer {_issuer.Token(Subject, BrokerAudience.Of(new BrokerRef("demo", "other")))}",
            "alg-none" => $"Bearer {_issuer.UnsignedToken(Subject, Audience)}",
            "hs256-with-public-key" => $"Bearer {_issuer.HmacWithPublicKeyToken(Subject, Audience)}",
            "unknown-kid" => $"Bearer {_issuer.TokenWithUnpublishedKey(Subject, Audience)}",
            "tampered" => $"Bearer {_issuer.TamperedToken(Subject, Audience)}",
            _ => $"Bearer {new string('a', 64 * 1024)}",
        };

        var result = await CheckAsync(header);

        Assert.False(result.Succeeded);
        Assert.Equal(check, result.Check);
        Assert.False(string.IsNullOrEmpty(result.Detail));
        Assert.DoesNotContain(header?.Length > 7 ? header[7..] : "\u0000", result.Detail!, StringComparison.Ordinal); // never echoes the token
    }

    [Fact]
    public async Task A_token_signed_with_a_rotated_in_key_passes_after_one_refresh_of_the_keys()
    {
        Assert.True((await CheckAsync($"Bearer {_issuer.Token(Subject, Audience)}")).Succeeded);
        var kid = _issuer.Rotate();

        var result = await CheckAsync($"Bearer {_issuer.Token(Subject, Audience, kid)}");

        Assert.True(result.Succeeded, result.Detail);
        Assert.InRange(_issuer.JwksRequests, 2, 3); // the request's own fetch, and maybe already the manager's background one
    }

    [Fact]
    public async Task Unknown_kids_refresh_the_keys_at_most_once_per_interval()
    {
        Assert.True((await CheckAsync($"Bearer {_issuer.Token(Subject, Audience)}")).Succeeded);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("key", (await CheckAsync($"Bearer {_issuer.TokenWithUnpublishedKey(Subject, Audience)}")).Check);
        }

        // The first forged kid refreshes (its own fetch, and the manager's in the background); KeyRefreshInterval (10 s) stops the rest.
        Assert.InRange(_issuer.JwksRequests, 2, 3);
    }

    [Fact]
    public async Task With_the_issuer_down_requests_fail_closed_and_pass_again_once_it_is_back()
    {
        _issuer.Down = true;
        var refused = await CheckAsync($"Bearer {_issuer.Token(Subject, Audience)}");
        Assert.Equal("keys", refused.Check);
        Assert.Contains(_issuer.Url, refused.Detail, StringComparison.Ordinal);

        _issuer.Down = false;
        var authenticator = Authenticator(TimeSpan.FromSeconds(2)); // a fresh one: the first's breaker would wait its back-off
        var result = await authenticator.AuthenticateAsync($"Bearer {_issuer.Token(Subject, Audience)}", Audience, CancellationToken.None);
        Assert.True(result.Succeeded, result.Detail);
    }

    [Fact]
    public async Task With_a_slow_issuer_requests_fail_closed_within_the_keys_timeout_and_the_breaker_then_answers_at_once()
    {
        _issuer.Delay = TimeSpan.FromSeconds(30);
        var authenticator = Authenticator(TimeSpan.FromMilliseconds(300));
        var token = $"Bearer {_issuer.Token(Subject, Audience)}";

        for (var i = 0; i < 4; i++)
        {
            var check = authenticator.AuthenticateAsync(token, Audience, CancellationToken.None);
            var first = await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.Same(check, first); // a bound far below the issuer's 30 s, not a timing
            Assert.Equal("keys", (await check).Check);
        }

        Assert.InRange(_issuer.Discoveries, 1, 2); // after two failures the breaker stops asking
    }

    [Fact]
    public async Task A_token_that_keeps_cached_keys_still_passes_while_the_issuer_is_down()
    {
        Assert.True((await CheckAsync($"Bearer {_issuer.Token(Subject, Audience)}")).Succeeded);
        _issuer.Down = true;

        Assert.True((await CheckAsync($"Bearer {_issuer.Token(Subject, Audience, "ec-1")}")).Succeeded);
    }

    private Task<SenderAuthentication> CheckAsync(string? header) => _authenticator.AuthenticateAsync(header, Audience, CancellationToken.None);

    private SenderAuthenticator Authenticator(TimeSpan keysTimeout) =>
        new(new Uri(_issuer.Url), TimeSpan.FromSeconds(30), keysTimeout, 16 * 1024, _http, NullLogger.Instance);
}
