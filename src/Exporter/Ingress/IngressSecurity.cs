using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Broker.Security;

namespace Knative.Eventing.Metrics.Exporter.Ingress;

/// <summary>
/// Who may send to the ingress: with <c>--oidc-issuer</c>, the token check (<see cref="SenderAuthenticator"/>) and the
/// EventPolicies (<see cref="SenderAuthorizer"/>); without it, both are null and anyone who reaches the ingress may send.
/// </summary>
internal sealed class IngressSecurity : IDisposable
{
    private readonly HttpClient? _http;

    public IngressSecurity(Topology model, ILogger<IngressSecurity> logger)
    {
        if (model.Oidc is { } oidc)
        {
            // Its own client: the issuer is not a subscriber (no CloudEvents instrumentation), and connections are renewed so
            // a moved issuer is found again.
            _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            {
                Timeout = oidc.KeysTimeout + oidc.KeysTimeout,
            };
            Authenticator = new SenderAuthenticator(oidc.Issuer, oidc.ClockSkew, oidc.KeysTimeout, oidc.MaxTokenBytes, _http, logger);
            Authorizer = model.Authorizer;
        }
    }

    /// <summary>The token check; null when sender authentication is off.</summary>
    public SenderAuthenticator? Authenticator { get; }

    /// <summary>The policies; null when sender authentication is off.</summary>
    public SenderAuthorizer? Authorizer { get; }

    public void Dispose() => _http?.Dispose();
}
