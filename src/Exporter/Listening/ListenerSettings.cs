using System.Net;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;

namespace Knative.Eventing.Metrics.Exporter.Listening;

/// <summary>
/// Reads the listener settings of <see cref="ExporterOptions"/>; each problem is an
/// <see cref="InvalidOperationException"/> whose message names the setting. The validator and the
/// listeners read them the same way.
/// </summary>
internal static class ListenerSettings
{
    /// <summary>The endpoint a listener URL names.</summary>
    /// <exception cref="InvalidOperationException">Not an absolute http URL (or https, where <paramref name="https"/> allows it) with an IP
    /// address, localhost or a wildcard host.</exception>
    public static IPEndPoint Endpoint(string url, string field, bool https = false)
    {
        if (!Uri.TryCreate(
            url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
            UriKind.Absolute,
            out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttp || (https && uri.Scheme == Uri.UriSchemeHttps)))
        {
            throw new InvalidOperationException(uri?.Scheme == Uri.UriSchemeHttps
                ? $"{ExporterOptions.SectionName}:{field} is https, which needs the certificate and key: --tls-cert and --tls-key (was '{url}')."
                : $"{ExporterOptions.SectionName}:{field} must be an absolute http URL such as http://0.0.0.0:9464 (was '{url}').");
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

    /// <summary>A positive ISO-8601 duration setting.</summary>
    /// <exception cref="InvalidOperationException">Not a positive ISO-8601 duration.</exception>
    public static TimeSpan Duration(string value, string field) =>
        IsoDuration.ParsePositive(value, problem => new InvalidOperationException($"{ExporterOptions.SectionName}:{field}: {problem}."));

    /// <summary>Every listener setting, read once; the first problem is thrown.</summary>
    /// <exception cref="InvalidOperationException">A setting is invalid.</exception>
    public static void Validate(ExporterOptions options)
    {
        Endpoint(options.IngressUrl, nameof(ExporterOptions.IngressUrl), https: options.Tls);
        Endpoint(options.MetricsUrl, nameof(ExporterOptions.MetricsUrl));
        if (options.Tls)
        {
            if (string.IsNullOrWhiteSpace(options.TlsCertificate) || string.IsNullOrWhiteSpace(options.TlsKey))
            {
                var missing = string.IsNullOrWhiteSpace(options.TlsKey) ? nameof(ExporterOptions.TlsKey) : nameof(ExporterOptions.TlsCertificate);
                throw new InvalidOperationException(
                    $"{ExporterOptions.SectionName}:{missing} is missing: HTTPS needs both the certificate (--tls-cert) and its key (--tls-key).");
            }

            TlsCertificateSource.Load(options.TlsCertificate, options.TlsKey).Dispose();
        }
        if (options.MaxConnections < 1)
        {
            throw new InvalidOperationException($"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MaxConnections)} must be at least 1 (was " +
                $"{options.MaxConnections}).");
        }

        if (!(options.MinRequestBodyBytesPerSecond > 0))
        {
            throw new InvalidOperationException($"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MinRequestBodyBytesPerSecond)} must be " +
                $"positive (was {options.MinRequestBodyBytesPerSecond}).");
        }

        Duration(options.RequestHeadersTimeout, nameof(ExporterOptions.RequestHeadersTimeout));
        Duration(options.KeepAliveTimeout, nameof(ExporterOptions.KeepAliveTimeout));
        if (string.IsNullOrEmpty(options.MetricsPath) || options.MetricsPath[0] != '/')
        {
            throw new InvalidOperationException($"{ExporterOptions.SectionName}:{nameof(ExporterOptions.MetricsPath)} must start with '/' (was " +
                $"'{options.MetricsPath}').");
        }
    }
}
