using Knative.Eventing.Metrics.Broker.Backends;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// Readiness: the backend is connected, so events sent to this replica can be stored. A replica whose
/// RabbitMQ connection is recovering, or whose Kafka producer reaches no broker, is unready: the Service
/// sends producers to the other replicas meanwhile. Not part of liveness: a restart would not reconnect sooner.
/// </summary>
internal sealed class BackendConnectedHealthCheck(IEventBackend backend) : IHealthCheck
{
    public const string Name = "backend-connected";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(backend.UnavailableReason is { } reason
            ? HealthCheckResult.Unhealthy(reason)
            : HealthCheckResult.Healthy("backend connected"));
}
