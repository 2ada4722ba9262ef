using Knative.Eventing.Metrics.Broker.Publishing;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Broker.Model;

namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>Hands a taken event to its trigger's dispatcher with the delivery's parallelism slot; returns the final outcome.</summary>
internal delegate Task<DeliveryOutcome> DispatchEvent(
    TriggerModel trigger,
    CloudEvent cloudEvent,
    DeliveryScope scope,
    DeliverySlot slot,
    CancellationToken cancellationToken);

/// <summary>Where a broker's events are stored between ingress and dispatch.</summary>
internal interface IEventBackend : IAsyncDisposable
{
    /// <summary>Starts consuming for every trigger.</summary>
    Task StartAsync(Topology model, DispatchEvent dispatch, CancellationToken cancellationToken);

    /// <summary>Stores the events for every trigger of the broker, all or none.</summary>
    /// <exception cref="PublishRejectedException">The backend did not accept them (the ingress answers 503).</exception>
    Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// Null while the backend is connected (events can be stored); otherwise why not, e.g. a RabbitMQ connection
    /// that is recovering or a Kafka producer that reaches no broker. Readiness (<c>/readyz</c>) reads it.
    /// </summary>
    string? UnavailableReason { get; }

    /// <summary>Stops taking new events and waits (bounded) for deliveries in flight.</summary>
    Task DrainAsync(TimeSpan timeout);
}
