using Knative.Eventing.Metrics.Broker.Backends;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Broker.Model;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Hosting;

/// <summary>
/// Runs the broker as a hosted service: starts the backend's consumers with the dispatcher, and on stop
/// drains deliveries in flight within <see cref="Topology.DrainTimeout"/>; stopping never throws.
/// </summary>
internal sealed partial class BackendHostedService(
    IEventBackend backend,
    Topology model,
    TriggerDispatcher dispatcher,
    IOptions<BrokerOptions> options,
    ILogger<BackendHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var warning in model.Warnings)
        {
            LogManifestWarning(logger, warning);
        }

        await backend.StartAsync(model, dispatcher.DispatchAsync, cancellationToken).ConfigureAwait(false);
        LogStarted(logger, options.Value.Backend, model.Brokers.Count, model.Triggers.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await backend.DrainAsync(model.DrainTimeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Stopping ends with exit code 0 whatever the subscribers do: what was not delivered was not
            // acknowledged and stays in the broker for the next replica.
            LogDrainFailed(logger, ex);
        }
    }

    [LoggerMessage(
        EventId = 400,
        Level = LogLevel.Information,
        Message = "Broker backend {Backend} started with {Brokers} brokers and {Triggers} triggers")]
    private static partial void LogStarted(ILogger logger, string backend, int brokers, int triggers);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogManifestWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Draining the broker backend failed; unacknowledged events stay in the broker")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception);
}
