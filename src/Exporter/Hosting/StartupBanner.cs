using System.Net;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Listening;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>Prints where everything is, once the listeners are bound.</summary>
internal sealed class StartupBanner(
    IHostApplicationLifetime lifetime,
    Listeners listeners,
    IOptions<ExporterOptions> options,
    IOptions<KnativeEventingMetricsOptions> metricsOptions,
    Broker.Model.Topology model) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Print);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Who can reach a listener bound to <paramref name="address"/>, in the banner's words.</summary>
    internal static string Reach(IPAddress address) =>
        IPAddress.IsLoopback(address) ? "this machine only"
        : Listeners.IsWildcard(address) ? "every interface"
        : $"the interface {address}";

    /// <summary>Whether senders are authenticated, and what decides who may send, in the banner's words.</summary>
    internal static string Authentication(Broker.Model.Topology model) => model.Oidc is { } oidc
        ? $"on (tokens from {oidc.Issuer.OriginalString}; {model.Authorizer!.Policies.Count} EventPolicies, default-authorization-mode " +
            $"{Broker.Security.AuthorizationModes.Name(model.Authorizer.Mode)})"
        : "off (anyone who reaches the ingress may send)";

    /// <summary>Whether the ingress serves HTTPS, and with which certificate, in the banner's words.</summary>
    internal static string Tls(TlsCertificateSource? tls) => tls is null
        ? "off (plain http)"
        : $"on (TLS 1.2+, {tls.Current.Subject}, valid to {tls.Current.NotAfter:yyyy-MM-dd}; reloaded when its files change)";

    private void Print()
    {
        var ingress = listeners.BoundUrl(ListenerRole.Ingress);
        var metrics = listeners.BoundUrl(ListenerRole.Metrics);
        var reach =
            $"{Reach(listeners.BoundAddress(ListenerRole.Ingress))} (ingress), {Reach(listeners.BoundAddress(ListenerRole.Metrics))} (metrics)";
        Console.Out.Write(
            $"""

            Knative Eventing Metrics exporter is running (broker class: {metricsOptions.Value.BrokerClass ?? "unset"})
              metrics (Prometheus): {metrics}{options.Value.MetricsPath}
              health:               {ingress}/healthz
              ingress:              {ingress}
              reachable from:       {reach}
              sender authentication: {Authentication(model)}
              TLS (ingress):        {Tls(listeners.Tls)}
            Press Ctrl+C to stop.

            """);
        Console.Out.Flush();
    }
}
