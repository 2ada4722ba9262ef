using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Polly;
using Polly.CircuitBreaker;

namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// Checks a sender's <c>Authorization: Bearer &lt;JWT&gt;</c> as Knative's <c>authentication-oidc</c> does (knative/eventing
/// 8cf4c4b6, pkg/auth/verifier.go:150-169 and 221-246: go-oidc's verifier with the broker's audience as client id),
/// with Microsoft.IdentityModel: signed by a key of the issuer's JWKS with RS256 or ES256 only (never <c>none</c>, never an
/// HMAC), <c>iss</c> equal to the issuer, <c>aud</c> containing the broker's audience, <c>exp</c> required and with
/// <c>nbf</c> valid within the clock skew, and a <c>sub</c>.
/// <para>
/// The discovery document and keys are fetched on first use and cached by Microsoft.IdentityModel's
/// <see cref="ConfigurationManager{T}"/> (refreshed hourly, and on a token whose <c>kid</c> is unknown at most every
/// <see cref="KeyRefreshInterval"/>; a failed refresh keeps the keys it had). While no keys could be fetched, requests fail
/// closed within <c>KeysTimeout</c>, and after two failures at once (a circuit breaker, Polly) until the next try, which
/// backs off from 1 s to 30 s.
/// </para>
/// </summary>
internal sealed partial class SenderAuthenticator
{
    /// <summary>The only signing algorithms accepted (Kubernetes service-account tokens are RS256; ES256 for other issuers).</summary>
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    /// <summary>The least time between two key refreshes asked for by unknown <c>kid</c>s (a flood of forged kids cannot hammer the
    /// issuer).</summary>
    public static readonly TimeSpan KeyRefreshInterval = TimeSpan.FromSeconds(10);

    private readonly string _issuer;
    private readonly int _maxTokenBytes;
    private readonly TimeSpan _clockSkew;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly HttpDocumentRetriever _retriever;
    private readonly string _discovery;
    private readonly Lock _refreshGate = new();
    private DateTime _lastRefresh = DateTime.MinValue;
    private volatile OpenIdConnectConfiguration? _refreshed; // fetched for an unknown kid, until the manager has caught up
    private KeySet? _keySet;
    private readonly ValidatedTokens _validated = new();
    private readonly ResiliencePipeline _fetch;
    private readonly JsonWebTokenHandler _handler;
    private readonly ILogger _logger;
    private volatile bool _keysFailing; // logged once per outage, not per request

    public SenderAuthenticator(Uri issuer, TimeSpan clockSkew, TimeSpan keysTimeout, int maxTokenBytes, HttpClient http, ILogger logger)
    {
        _issuer = issuer.OriginalString;
        _maxTokenBytes = maxTokenBytes;
        _clockSkew = clockSkew;
        _logger = logger;
        _handler = new JsonWebTokenHandler { MaximumTokenSizeInBytes = maxTokenBytes, MapInboundClaims = false };
        _discovery = $"{_issuer.TrimEnd('/')}/.well-known/openid-configuration";
        _retriever = new HttpDocumentRetriever(http) { RequireHttps = issuer.Scheme == Uri.UriSchemeHttps };
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(_discovery, new OpenIdConnectConfigurationRetriever(), _retriever)
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(1),
            RefreshInterval = KeyRefreshInterval,
        };
        _fetch = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 1.0,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDurationGenerator = args => ValueTask.FromResult(TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, args.HalfOpenAttempts)))),
            })
            .AddTimeout(keysTimeout)
            .Build();
    }

    /// <summary>Checks the <c>Authorization</c> header value <paramref name="authorization"/> for a request to the broker of <paramref
    /// name="audience"/>.</summary>
    public async Task<SenderAuthentication> AuthenticateAsync(string? authorization, string audience, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return SenderAuthentication.Failed(
                "missing",
                $"The request has no Authorization header: send 'Authorization: Bearer <JWT>' with a token from {_issuer} " +
                    $"for the audience '{audience}'.");
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return SenderAuthentication.Failed("scheme", "The Authorization header is not 'Bearer <JWT>'.");
        }

        var token = authorization[7..].Trim();
        if (token.Length > _maxTokenBytes)
        {
            return SenderAuthentication.Failed("size", $"The token has {token.Length} bytes; at most {_maxTokenBytes} are read.");
        }

        JsonWebToken parsed;
        try
        {
            parsed = _handler.ReadJsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException)
        {
            return SenderAuthentication.Failed("malformed", "The bearer token is not a JWT (three base64url parts, a JSON header and payload).");
        }

        if (parsed.IsEncrypted || !Algorithms.Contains(parsed.Alg, StringComparer.Ordinal))
        {
            return SenderAuthentication.Failed(
                "algorithm",
                $"The token is signed with '{Shorten(parsed.IsEncrypted ? parsed.Enc : parsed.Alg)}'; only {string.Join(" and ", Algorithms)} " +
                    "signatures are accepted.");
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await KeysAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var why = ex switch
            {
                BrokenCircuitException => "fetching them failed and is retried shortly",
                Polly.Timeout.TimeoutRejectedException => "the issuer did not answer in time",
                _ => ex.GetBaseException().Message,
            };
            if (!_keysFailing)
            {
                _keysFailing = true;
                LogKeysUnavailable(_logger, _issuer, why);
            }

            return SenderAuthentication.Failed(
                "keys",
                $"The issuer's keys could not be fetched from {_issuer} ({Shorten(why)}); no token can be checked, so the request is refused.");
        }

        if (_keysFailing)
        {
            _keysFailing = false;
            LogKeysAvailable(_logger, _issuer, configuration.SigningKeys.Count);
        }

        var keys = KeysFor(configuration);
        if (_validated.Find(audience, token, keys, DateTime.UtcNow) is { } known)
        {
            return SenderAuthentication.Passed(known); // this exact token passed before with these keys, and has not expired
        }

        var result = await _handler.ValidateTokenAsync(parsed, keys.ParametersFor(audience)).ConfigureAwait(false);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && TakeRefresh())
        {
            // A key the cached JWKS does not have: the issuer may have rotated its keys. The manager refreshes in the
            // background, so this request fetches them itself (at most once per KeyRefreshInterval, whatever the kids).
            _configuration.RequestRefresh();
            try
            {
                _refreshed = await _fetch.ExecuteAsync(
                    async ct => await OpenIdConnectConfigurationRetriever.GetAsync(_discovery, _retriever, ct).WaitAsync(ct).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                keys = KeysFor(configuration);
                result = await _handler.ValidateTokenAsync(parsed, keys.ParametersFor(audience)).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogRefreshFailed(_logger, _issuer, ex);
            }
        }

        if (result.IsValid)
        {
            if (string.IsNullOrEmpty(parsed.Subject))
            {
                return SenderAuthentication.Failed("subject", "The token has no 'sub' claim: policies cannot tell who sent it.");
            }

            _validated.Add(audience, token, keys, parsed.Subject, parsed.ValidTo + _clockSkew);
            return SenderAuthentication.Passed(parsed.Subject);
        }

        return Explain(result.Exception, parsed, audience);
    }

    // WaitAsync: the manager's fetch may not watch the token; the request stops waiting at the timeout either way.
    private Task<OpenIdConnectConfiguration> KeysAsync(CancellationToken cancellationToken) =>
        _fetch.ExecuteAsync(
            async ct => await _configuration.GetConfigurationAsync(ct).WaitAsync(ct).ConfigureAwait(false),
            cancellationToken).AsTask();

    private bool TakeRefresh()
    {
        lock (_refreshGate)
        {
            var now = DateTime.UtcNow;
            if (now - _lastRefresh < KeyRefreshInterval)
            {
                return false;
            }

            _lastRefresh = now;
            return true;
        }
    }

    /// <summary>
    /// The keys in use: the manager's configuration, and the one fetched for an unknown kid that it may not have caught up
    /// with. The same instance while neither changes, so it is also the identity <see cref="ValidatedTokens"/> keys on.
    /// </summary>
    private KeySet KeysFor(OpenIdConnectConfiguration configuration)
    {
        var refreshed = _refreshed;
        var current = Volatile.Read(ref _keySet);
        if (current is not null && ReferenceEquals(current.Configuration, configuration) && ReferenceEquals(current.Refreshed, refreshed))
        {
            return current;
        }

        var next = new KeySet(configuration, refreshed, this); // other keys: the tokens they passed are checked again
        Volatile.Write(ref _keySet, next);
        return next;
    }

    /// <summary>One set of keys, with the validation parameters of each audience built once for it (one per broker).</summary>
    private sealed class KeySet(OpenIdConnectConfiguration configuration, OpenIdConnectConfiguration? refreshed, SenderAuthenticator owner)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TokenValidationParameters> _parameters =
            new(StringComparer.Ordinal);

        private readonly ICollection<SecurityKey> _keys = refreshed is not null && !ReferenceEquals(refreshed, configuration)
            ? [.. configuration.SigningKeys, .. refreshed.SigningKeys.Where(k => configuration.SigningKeys.All(c => c.KeyId != k.KeyId))]
            : configuration.SigningKeys;

        public OpenIdConnectConfiguration Configuration { get; } = configuration;

        public OpenIdConnectConfiguration? Refreshed { get; } = refreshed;

        public TokenValidationParameters ParametersFor(string audience) => _parameters.GetOrAdd(audience, a => new TokenValidationParameters
        {
            ValidIssuer = owner._issuer,
            ValidAudience = a,
            IssuerSigningKeys = _keys,
            ValidAlgorithms = Algorithms,
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = owner._clockSkew,
        });
    }

    private SenderAuthentication Explain(Exception? error, JsonWebToken token, string audience) => error switch
    {
        SecurityTokenNoExpirationException => SenderAuthentication.Failed("expiry", "The token has no 'exp' claim."),
        SecurityTokenExpiredException => SenderAuthentication.Failed(
            "expiry", $"The token expired at {token.ValidTo:O} (clock skew {_clockSkew.TotalSeconds:0} s)."),
        SecurityTokenNotYetValidException => SenderAuthentication.Failed(
            "not-before", $"The token is not valid before {token.ValidFrom:O} (clock skew {_clockSkew.TotalSeconds:0} s)."),
        SecurityTokenInvalidIssuerException => SenderAuthentication.Failed(
            "issuer", $"The token's issuer '{Shorten(token.Issuer)}' is not {_issuer}."),
        SecurityTokenInvalidAudienceException => SenderAuthentication.Failed(
            "audience", $"The token's audience '{Shorten(string.Join(", ", token.Audiences))}' is not this broker's '{audience}'."),
        SecurityTokenSignatureKeyNotFoundException => SenderAuthentication.Failed(
            "key", $"The token is signed with key id '{Shorten(token.Kid)}', which {_issuer} does not publish."),
        SecurityTokenInvalidAlgorithmException => SenderAuthentication.Failed(
            "algorithm", $"Only {string.Join(" and ", Algorithms)} signatures are accepted."),
        SecurityTokenInvalidSignatureException => SenderAuthentication.Failed(
            "signature", "The token's signature does not verify with the issuer's key."),
        SecurityTokenMalformedException or SecurityTokenException => SenderAuthentication.Failed(
            "token", $"The token is not valid ({error.GetType().Name})."),
        _ => SenderAuthentication.Failed("token", $"The token could not be checked ({error?.GetType().Name ?? "unknown"})."),
    };

    private static string Shorten(string? value) => value is null ? string.Empty : value.Length > 80 ? value[..80] + "…" : value;

    [LoggerMessage(
        EventId = 401,
        Level = LogLevel.Warning,
        Message = "OIDC: the keys of {Issuer} could not be fetched ({Reason}); requests are refused")]
    private static partial void LogKeysUnavailable(ILogger logger, string issuer, string reason);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "OIDC: {Count} keys of {Issuer} fetched; requests are checked again")]
    private static partial void LogKeysAvailable(ILogger logger, string issuer, int count);

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "OIDC: refreshing the keys of {Issuer} for an unknown key id failed")]
    private static partial void LogRefreshFailed(ILogger logger, string issuer, Exception exception);
}
