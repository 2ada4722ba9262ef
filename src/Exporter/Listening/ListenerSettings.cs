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
    /// <exception cref="InvalidOperationException">Not an absolute http URL with an IP address, localhost or a wildcard host.</exception>
    public static IPEndPoint Endpoint(string url, string field)
    {
        if (!Uri.TryCreate(
            url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
            UriKind.Absolute,
            out var uri)
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

    /// <summary>A positive ISO-8601 duration setting.</summary>
    /// <exception cref="InvalidOperationException">Not a positive ISO-8601 duration.</exception>
    public static TimeSpan Duration(string value, string field) =>
        IsoDuration.ParsePositive(value, problem => new InvalidOperationException($"{ExporterOptions.SectionName}:{field}: {problem}."));

    /// <summary>Every listener setting, read once; the first problem is thrown.</summary>
    /// <exception cref="InvalidOperationException">A setting is invalid.</exception>
    public static void Validate(ExporterOptions options)
    {
        Endpoint(options.IngressUrl, nameof(ExporterOptions.IngressUrl));
        Endpoint(options.MetricsUrl, nameof(ExporterOptions.MetricsUrl));
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
