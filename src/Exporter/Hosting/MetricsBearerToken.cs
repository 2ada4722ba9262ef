using System.Security.Cryptography;
using System.Text;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Listening;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// When <see cref="ExporterOptions.MetricsBearerToken"/> is set, a scrape on the metrics listener must send
/// <c>Authorization: Bearer {token}</c> (compared in constant time); others get 401.
/// </summary>
internal sealed class MetricsBearerToken(RequestDelegate next, IOptions<ExporterOptions> options)
{
    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.MetricsBearerToken)
        ? null
        : Encoding.UTF8.GetBytes($"Bearer {options.Value.MetricsBearerToken}");

    public Task InvokeAsync(HttpContext context)
    {
        if (_expected is not null
            && context.Request.Path == options.Value.MetricsPath
            && Listeners.Serves(context, ListenerRole.Metrics)
            && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()), _expected))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Task.CompletedTask;
        }

        return next(context);
    }
}
