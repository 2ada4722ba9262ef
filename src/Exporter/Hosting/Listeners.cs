using System.Net;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// The exporter's Kestrel listeners (ingress and metrics), each tagging its connections with its
/// role; after start, <see cref="BoundUrl"/> gives the real address (also when port 0 was asked for).
/// </summary>
public sealed class Listeners
{
    private const string RoleItemKey = "knative.listener.role";
    private readonly List<(ListenerRole Role, string Scheme, ListenOptions Options)> _listeners = [];

    /// <summary>Binds the listeners of <paramref name="options"/> on <paramref name="kestrel"/>.</summary>
    /// <exception cref="InvalidOperationException">A URL is not an absolute http URL with an IP address, localhost or a wildcard host.</exception>
    public void Configure(KestrelServerOptions kestrel, ExporterOptions options)
    {
        ApplyLimits(kestrel.Limits, options);
        var ingress = Parse(options.IngressUrl, nameof(ExporterOptions.IngressUrl));
        var metrics = Parse(options.MetricsUrl, nameof(ExporterOptions.MetricsUrl));
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
    public string BoundUrl(ListenerRole role)
    {
        var listener = _listeners.First(l => l.Role.HasFlag(role));
        var endpoint = (IPEndPoint)listener.Options.EndPoint;
        var host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any)
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

    private void Listen(KestrelServerOptions kestrel, IPEndPoint endpoint, ListenerRole role)
    {
        kestrel.Listen(endpoint, listen =>
        {
            listen.Use(next => connection =>
            {
                connection.Items[RoleItemKey] = role;
                return next(connection);
            });
            _listeners.Add((role, "http", listen));
        });
    }

    private static void ApplyLimits(KestrelServerLimits limits, ExporterOptions options)
    {
        if (options.MaxConnections < 1)
        {
            throw new InvalidOperationException($"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MaxConnections)} must be at least 1 (was {options.MaxConnections}).");
        }

        if (!(options.MinRequestBodyBytesPerSecond > 0))
        {
            throw new InvalidOperationException($"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MinRequestBodyBytesPerSecond)} must be positive (was {options.MinRequestBodyBytesPerSecond}).");
        }

        limits.MaxConcurrentConnections = options.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
        limits.RequestHeadersTimeout = Duration(options.RequestHeadersTimeout, nameof(ExporterOptions.RequestHeadersTimeout));
        limits.KeepAliveTimeout = Duration(options.KeepAliveTimeout, nameof(ExporterOptions.KeepAliveTimeout));
        limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
    }

    private static TimeSpan Duration(string value, string field) =>
        IsoDuration.ParsePositive(value, problem => new InvalidOperationException($"{ExporterOptions.SectionName}:{field}: {problem}."));

    private static IPEndPoint Parse(string url, string field)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException(
                $"{ExporterOptions.SectionName}:{field} must be an absolute http URL such as http://0.0.0.0:9464 (was '{url}').");
        }

        if (uri.IsLoopback && uri.Host == "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, uri.Port);
        }

        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            throw new InvalidOperationException(
                $"{ExporterOptions.SectionName}:{field} must name an IP address, localhost or * as host (was '{uri.Host}').");
        }

        return new IPEndPoint(address, uri.Port);
    }
}
