using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A real OIDC issuer for tests, on 127.0.0.1 (free port, plain http, which the exporter accepts on loopback only): it
/// serves <c>/.well-known/openid-configuration</c> and a JWKS with its own RSA (RS256) and EC P-256 (ES256) keys, signs
/// real JWTs with them (Microsoft.IdentityModel), rotates in a new key, and can be made to fail (503) or answer slowly.
/// It also makes the tokens an attacker would: unsigned (<c>alg: none</c>), HS256 keyed with the RSA public key, tampered.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(string Kid, AsymmetricAlgorithm Key)> _keys = [];
    private readonly JsonWebTokenHandler _handler = new();
    private int _discoveries;
    private int _jwksRequests;

    private TestIssuer(WebApplication app)
    {
        _app = app;
        _keys.Add(("rsa-1", RSA.Create(2048)));
        _keys.Add(("ec-1", ECDsa.Create(ECCurve.NamedCurves.nistP256)));
    }

    /// <summary>The issuer URL (<c>iss</c>, and what <c>--oidc-issuer</c> takes).</summary>
    public string Url => _app.Urls.Single();

    /// <summary>How many times the discovery document was fetched.</summary>
    public int Discoveries => Volatile.Read(ref _discoveries);

    /// <summary>How many times the JWKS was fetched.</summary>
    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>While true, both endpoints answer 503.</summary>
    public bool Down { get; set; }

    /// <summary>How long both endpoints wait before answering.</summary>
    public TimeSpan Delay { get; set; }

    public static async Task<TestIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var issuer = new TestIssuer(app);
        app.MapGet("/.well-known/openid-configuration", (Func<HttpContext, Task>)(context => issuer.AnswerAsync(context, Interlocked.Increment(ref issuer._discoveries), () => new
        {
            issuer = issuer.Url,
            jwks_uri = $"{issuer.Url}/keys",
            response_types_supported = new[] { "id_token" },
            subject_types_supported = new[] { "public" },
            id_token_signing_alg_values_supported = new[] { "RS256", "ES256" },
        })));
        app.MapGet("/keys", (Func<HttpContext, Task>)(context => issuer.AnswerAsync(context, Interlocked.Increment(ref issuer._jwksRequests), () => new
        {
            keys = issuer.PublicKeys(),
        })));
        await app.StartAsync();
        return issuer;
    }

    /// <summary>A token signed with the key <paramref name="kid"/> (RS256 for RSA keys, ES256 for EC).</summary>
    public string Token(
        string subject,
        string audience,
        string kid = "rsa-1",
        TimeSpan? expiresIn = null,
        TimeSpan? notBeforeIn = null,
        string? issuer = null,
        bool withExpiry = true)
    {
        var (_, key) = _keys.Single(k => k.Kid == kid);
        SigningCredentials credentials = key is RSA rsa
            ? new(new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256)
            : new(new ECDsaSecurityKey((ECDsa)key) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256);
        var now = DateTime.UtcNow;
        var notBefore = now + (notBeforeIn ?? TimeSpan.FromMinutes(-1));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Url,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject },
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = withExpiry ? now + (expiresIn ?? TimeSpan.FromMinutes(10)) : null,
            SigningCredentials = credentials,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = withExpiry }.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public string UnsignedToken(string subject, string audience) =>
        $"{Part(new { alg = "none", typ = "JWT" })}.{Part(Claims(subject, audience))}.";

    /// <summary>The algorithm-confusion attack: HS256 whose HMAC key is the issuer's RSA public key, with the RSA key's kid.</summary>
    public string HmacWithPublicKeyToken(string subject, string audience)
    {
        var rsa = (RSA)_keys.Single(k => k.Kid == "rsa-1").Key;
        var publicKey = Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        var signingInput = $"{Part(new { alg = "HS256", typ = "JWT", kid = "rsa-1" })}.{Part(Claims(subject, audience))}";
        var signature = HMACSHA256.HashData(publicKey, Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>A valid token whose payload was changed after signing (another subject).</summary>
    public string TamperedToken(string subject, string audience)
    {
        var parts = Token(subject, audience).Split('.');
        return $"{parts[0]}.{Part(Claims("system:serviceaccount:kube-system:admin", audience))}.{parts[2]}";
    }

    /// <summary>Adds a new RSA key to the JWKS (as an issuer rotating its keys) and returns its kid.</summary>
    public string Rotate()
    {
        var kid = $"rsa-{_keys.Count + 1}";
        lock (_keys)
        {
            _keys.Add((kid, RSA.Create(2048)));
        }

        return kid;
    }

    /// <summary>A key the issuer never publishes, for a token with an unknown kid.</summary>
    public string TokenWithUnpublishedKey(string subject, string audience)
    {
        using var stranger = RSA.Create(2048);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Url,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject },
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new(new RsaSecurityKey(stranger) { KeyId = "not-published" }, SecurityAlgorithms.RsaSha256),
        };
        return _handler.CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        foreach (var (_, key) in _keys)
        {
            key.Dispose();
        }
    }

    private Dictionary<string, object> Claims(string subject, string audience)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new() { ["iss"] = Url, ["aud"] = audience, ["sub"] = subject, ["iat"] = now, ["nbf"] = now - 60, ["exp"] = now + 600 };
    }

    private static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));

    private List<Dictionary<string, string>> PublicKeys()
    {
        lock (_keys)
        {
            return [.. _keys.Select(k => k.Key switch
            {
                RSA rsa when rsa.ExportParameters(false) is var p => new Dictionary<string, string>
                {
                    ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = k.Kid,
                    ["n"] = Base64UrlEncoder.Encode(p.Modulus!), ["e"] = Base64UrlEncoder.Encode(p.Exponent!),
                },
                ECDsa ec when ec.ExportParameters(false) is var p => new Dictionary<string, string>
                {
                    ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = k.Kid, ["crv"] = "P-256",
                    ["x"] = Base64UrlEncoder.Encode(p.Q.X!), ["y"] = Base64UrlEncoder.Encode(p.Q.Y!),
                },
                _ => throw new InvalidOperationException("unknown key type"),
            })];
        }
    }

    /// <param name="context">The request.</param>
    /// <param name="count">The endpoint's request count, incremented by the caller.</param>
    /// <param name="body">The JSON answered.</param>
    private async Task AnswerAsync(HttpContext context, int count, Func<object> body)
    {
        _ = count;
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (Down)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        await context.Response.WriteAsJsonAsync(body(), context.RequestAborted);
    }
}
