using System.Collections.Concurrent;
using Knative.Eventing.Metrics.CloudEvents;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics;

/// <summary>
/// The one rule for a message that a trigger consumer cannot decode as a CloudEvent, the same on every broker
/// (docs/metrics.md, "Invalid messages"): it is counted in <c>kn.eventing.events.invalid</c> each time it is read,
/// logged once per reason, has no delivery outcome, and is handed to the user's <c>OnInvalidMessage</c> callback
/// (e.g. to dead-letter it). When the callback returns, the message is settled past (acknowledged, or its offset
/// stored). When the callback throws, the failure is logged and the message is not settled: it goes back to the
/// broker and is read again (RabbitMQ requeues it; Kafka reads it again after <c>HandlerRetryBackoff</c>), so what
/// the callback did not take is not lost. Shared source of the RabbitMQ and Kafka packages.
/// </summary>
/// <typeparam name="TMessage">The broker client's message type.</typeparam>
internal sealed partial class InvalidMessagePolicy<TMessage>(
    KnativeEventingMetrics metrics,
    TriggerRef trigger,
    Action<TMessage, InvalidCloudEventException>? callback,
    ILogger logger,
    string consumer)
{
    private readonly ConcurrentDictionary<InvalidEventReason, byte> _loggedReasons = new();

    /// <summary>Counts, logs and offers <paramref name="message"/> to the callback.</summary>
    /// <param name="message">The message as the client delivered it.</param>
    /// <param name="invalid">Why it is not a valid CloudEvent.</param>
    /// <param name="position">Where it was read (queue and delivery tag, topic-partition-offset), for the log.</param>
    /// <returns>True: settle the message past; false: the callback threw, return the message to the broker.</returns>
    public bool Settle(TMessage message, InvalidCloudEventException invalid, string position)
    {
        metrics.RecordInvalidMessage(trigger, invalid.Reason);
        if (_loggedReasons.TryAdd(invalid.Reason, 0))
        {
            LogInvalidMessage(logger, consumer, position, invalid.Message);
        }

        try
        {
            callback?.Invoke(message, invalid);
            return true;
        }
        catch (Exception ex)
        {
            LogCallbackFailed(logger, consumer, position, ex);
            return false;
        }
    }

    [LoggerMessage(
        EventId = 1100,
        Level = LogLevel.Warning,
        Message = "{Consumer}: the message at {Position} is not a valid CloudEvent and is settled past without delivery (logged once per reason): " +
            "{Detail}")]
    private static partial void LogInvalidMessage(ILogger logger, string consumer, string position, string detail);

    [LoggerMessage(
        EventId = 1101,
        Level = LogLevel.Warning,
        Message = "{Consumer}: the OnInvalidMessage callback failed for the message at {Position}; the message goes back to the broker and is read " +
            "again")]
    private static partial void LogCallbackFailed(ILogger logger, string consumer, string position, Exception exception);
}
