using System.Diagnostics;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics;

/// <summary>Ingress: events accepted or refused at a broker (<c>kn.eventing.ingress.duration</c>, <c>kn.eventing.events.invalid</c>).</summary>
public sealed partial class KnativeEventingMetrics
{
    /// <summary>
    /// Records <c>kn.eventing.ingress.duration</c>: one event from request received to the backend's
    /// acknowledgement or the ingress's rejection.
    /// </summary>
    /// <param name="broker">The broker.</param>
    /// <param name="eventType">The CloudEvent type, when known (bounded by <see cref="EventTypes"/>).</param>
    /// <param name="duration">The elapsed time.</param>
    /// <param name="statusCode">The HTTP status the ingress answered, when it answered over HTTP.</param>
    /// <param name="errorType">On failure only: why (see <see cref="ErrorTypes"/>).</param>
    public void RecordIngress(BrokerRef broker, string? eventType, TimeSpan duration, int? statusCode = null, string? errorType = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(broker);
            if (!_ingressDuration.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = IngressTags(broker, eventType, statusCode, errorType);
            _ingressDuration.Record(Seconds(duration), tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordIngress), ex);
        }
    }

    /// <summary>
    /// Records a request the ingress refused before storing anything because of who sent it, in
    /// <c>kn.eventing.ingress.duration</c>: 401 <see cref="ErrorTypes.Unauthenticated"/> or 403 <see cref="ErrorTypes.Forbidden"/>,
    /// with the EventPolicy that refused the event when one matched the sender (<c>kn.eventpolicy.name</c>). One
    /// measurement per request: a refused request's events are not counted one by one (the ingress may not have read them).
    /// </summary>
    /// <param name="broker">The broker.</param>
    /// <param name="eventType">The CloudEvent type, when the request carried exactly one event that was read.</param>
    /// <param name="duration">From the request's arrival to the refusal.</param>
    /// <param name="statusCode">The HTTP status answered (401, 403).</param>
    /// <param name="errorType">Why (<see cref="ErrorTypes.Unauthenticated"/>, <see cref="ErrorTypes.Forbidden"/>).</param>
    /// <param name="policy">The policy that refused it, if one matched the sender; bounded to a finite set per process.</param>
    public void RecordIngressRefused(BrokerRef broker, string? eventType, TimeSpan duration, int statusCode, string errorType, string? policy = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(broker);
            ArgumentException.ThrowIfNullOrEmpty(errorType);
            if (!_ingressDuration.Enabled)
            {
                return;
            }

            var tags = IngressTags(broker, eventType, statusCode, errorType);
            if (!string.IsNullOrEmpty(policy))
            {
                tags.Add(EventPolicyName, _policies.Bound(policy));
            }

            _ingressDuration.Record(Seconds(duration), tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordIngressRefused), ex);
        }
    }

    /// <summary>Counts one event rejected as not a valid CloudEvent in <c>kn.eventing.events.invalid</c> (at ingress: see <see
    /// cref="RecordInvalidMessage"/> for messages read back from the backend).</summary>
    /// <param name="broker">The broker that rejected it.</param>
    /// <param name="reason">Why.</param>
    public void RecordInvalidEvent(BrokerRef broker, InvalidEventReason reason)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(broker);
            if (!_eventsInvalid.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = new TagList
            {
                { BrokerName, broker.Name },
                { BrokerNamespace, broker.Namespace },
                { ErrorType, AttributeValues.Of(reason) },
            };
            _eventsInvalid.Add(1, tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordInvalidEvent), ex);
        }
    }

    /// <summary>The attributes of one <c>kn.eventing.ingress.duration</c> measurement.</summary>
    private TagList IngressTags(BrokerRef broker, string? eventType, int? statusCode, string? errorType)
    {
        var tags = new TagList
        {
            { MessagingSystem, MessagingSystemKnative },
            { MessagingOperationName, OperationSend },
            { MessagingDestinationName, broker.IngressDestination },
            { BrokerName, broker.Name },
            { BrokerNamespace, broker.Namespace },
        };
        AddEventType(ref tags, eventType);
        AddResult(ref tags, statusCode, errorType);
        return tags;
    }
}
