using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// The probes on the ingress listener: <c>/livez</c> (liveness: every trigger consumer runs; a dead one needs
/// a restart), <c>/readyz</c> (readiness: the backend is connected; while it is not, producers go to other
/// replicas, and no restart helps), <c>/healthz</c> (both, for people and single-replica setups).
/// </summary>
internal static class HealthProbes
{
    public const string Live = "live";
    public const string Ready = "ready";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/livez", Options(check => check.Tags.Contains(Live)));
        endpoints.MapHealthChecks("/readyz", Options(check => check.Tags.Contains(Ready)));
        endpoints.MapHealthChecks("/healthz", Options(_ => true));
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,

        // Status first (what probes and people read), then why: which check failed and how.
        ResponseWriter = (context, report) => context.Response.WriteAsync(report.Status == HealthStatus.Healthy
            ? "Healthy"
            : $"{report.Status}\n{string.Join("\n", Unhealthy(report))}\n"),
    };

    private static IEnumerable<string> Unhealthy(HealthReport report) =>
        report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}");
}
