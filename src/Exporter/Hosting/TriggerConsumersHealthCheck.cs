using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// <c>/healthz</c> is unhealthy while a trigger consumer has failed (died or cannot start): its trigger's
/// events wait in the backend until the exporter restarts, which is what a liveness probe then does.
/// </summary>
internal sealed class TriggerConsumersHealthCheck(KnativeEventingMetrics metrics) : IHealthCheck
{
    public const string Name = "trigger-consumers";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var consumers = metrics.Consumers;
        var failed = consumers.Where(c => c.State == ConsumerState.Failed).ToList();
        return Task.FromResult(failed.Count == 0
            ? HealthCheckResult.Healthy($"{consumers.Count} trigger consumers running")
            : HealthCheckResult.Unhealthy(string.Join("; ", failed.Select(c => $"trigger {c.Trigger}: consumer failed: {c.Failure}"))));
    }
}
