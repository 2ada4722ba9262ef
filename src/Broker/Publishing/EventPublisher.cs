using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Backends;
using Knative.Eventing.Metrics.Broker.Model;

namespace Knative.Eventing.Metrics.Broker.Publishing;

/// <summary>
/// What the ingress and the replies of subscribers go through: stamps <c>knativearrivaltime</c> and stores
/// the events in the backend, all or none, within <see cref="Topology.PublishTimeout"/>.
/// </summary>
internal sealed class EventPublisher(IEventBackend backend, Topology model)
{
    /// <summary>Stamps and stores <paramref name="events"/> for every trigger of <paramref name="broker"/>.</summary>
    /// <exception cref="PublishRejectedException">The backend did not accept them in time (the ingress answers 503).</exception>
    public async Task PublishAsync(BrokerRef broker, IReadOnlyList<CloudEvent> events, CancellationToken cancellationToken)
    {
        var arrival = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var cloudEvent in events)
        {
            cloudEvent[KnativeArrivalTime.AttributeName] = arrival;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(model.PublishTimeout);
        try
        {
            await backend.PublishAsync(broker, events, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PublishRejectedException(ErrorTypes.Timeout, $"The backend did not accept the event within {model.PublishTimeout}.", null);
        }
    }
}
