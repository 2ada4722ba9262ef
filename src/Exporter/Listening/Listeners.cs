using System.Net;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Knative.Eventing.Metrics.Exporter.Listening;

/// <summary>
/// The exporter's Kestrel listeners (ingress and metrics), each tagging its connections with its
/// role; after start, <see cref="BoundUrl"/> gives the real address (also when port 0 was asked for).
/// </summary>
internal sealed class Listeners(ILogger<Listeners> logger) : IDisposable
{
    private const string RoleItemKey = "knative.listener.role";
    private readonly List<(ListenerRole Role, string Scheme, ListenOptions Options)> _listeners = [];
    private TlsCertificateSource? _tls;

    /// <summary>The ingress's certificate while it serves HTTPS (<c>--tls-cert</c>), else null.</summary>
    public TlsCertificateSource? Tls => _tls;

    public void Dispose() => _tls?.Dispose();

    /// <summary>Binds the listeners of <paramref name="options"/> (validated by <see cref="ExporterOptionsValidator"/>) on <paramref
    /// name="kestrel"/>.</summary>
    public void Configure(KestrelServerOptions kestrel, ExporterOptions options)
    {
        ApplyLimits(kestrel.Limits, options);
        if (options.Tls)
        {
            _tls ??= new TlsCertificateSource(options.TlsCertificate!, options.TlsKey!, logger);
        }

        var ingress = ListenerSettings.Endpoint(options.IngressUrl, nameof(ExporterOptions.IngressUrl), https: options.Tls);
        var metrics = ListenerSettings.Endpoint(options.MetricsUrl, nameof(ExporterOptions.MetricsUrl));
        if (ingress.Equals(metrics) && metrics.Port != 0)
        {
            Listen(kestrel, ingress, ListenerRole.Ingress | ListenerRole.Metrics);
        }
        else
        {
            Listen(kestrel, ingress, ListenerRole.Ingress);
            Listen(kestrel, metrics, ListenerRole.Metrics);
        }
    }

    /// <summary>The address a role's listener is bound to, as an http URL (after the host started).</summary>
    /// <summary>Whether <paramref name="address"/> is a wildcard (every interface, IPv4 or IPv6).</summary>
    public static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>The address a listener is bound to (any, loopback or one interface's).</summary>
    public IPAddress BoundAddress(ListenerRole role) => ((IPEndPoint)_listeners.First(l => l.Role.HasFlag(role)).Options.EndPoint).Address;

    public string BoundUrl(ListenerRole role)
    {
        var listener = _listeners.First(l => l.Role.HasFlag(role));
        var endpoint = (IPEndPoint)listener.Options.EndPoint;
        var host = IsWildcard(endpoint.Address)
            ? "localhost"
            : endpoint.Address.ToString();
        if (endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && host != "localhost")
        {
            host = $"[{host}]";
        }

        return $"{listener.Scheme}://{host}:{endpoint.Port}";
    }

    /// <summary>Whether the request came in on a listener with <paramref name="role"/>.</summary>
    public static bool Serves(HttpContext context, ListenerRole role) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(RoleItemKey, out var value) == true
        && value is ListenerRole served
        && served.HasFlag(role);

    /// <summary>An endpoint filter answering 404 to requests that came in on a listener without <paramref name="role"/>.</summary>
    public static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> Only(ListenerRole role) =>
        (context, next) => Serves(context.HttpContext, role) ? next(context) : ValueTask.FromResult<object?>(Results.NotFound());

    private void Listen(KestrelServerOptions kestrel, IPEndPoint endpoint, ListenerRole role)
    {
        kestrel.Listen(endpoint, listen =>
        {
            listen.Use(next => connection =>
            {
                connection.Items[RoleItemKey] = role;
                return next(connection);
            });
            if (_tls is { } tls && role.HasFlag(ListenerRole.Ingress))
            {
                // The certificate is asked for on every handshake, so a rotated one is served without rebinding.
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                    ServerCertificateSelector = (_, _) => tls.Current,
                });
                _listeners.Add((role, "https", listen));
                return;
            }

            _listeners.Add((role, "http", listen));
        });
    }

    private static void ApplyLimits(KestrelServerLimits limits, ExporterOptions options)
    {
        limits.MaxConcurrentConnections = options.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
        limits.RequestHeadersTimeout = ListenerSettings.Duration(options.RequestHeadersTimeout, nameof(ExporterOptions.RequestHeadersTimeout));
        limits.KeepAliveTimeout = ListenerSettings.Duration(options.KeepAliveTimeout, nameof(ExporterOptions.KeepAliveTimeout));
        limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
    }
}
