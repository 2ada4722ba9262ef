using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>The consumer's log messages.</summary>
public sealed partial class RabbitMQTriggerConsumer
{
    [LoggerMessage(
        EventId = 100,
        Level = LogLevel.Warning,
        Message = "The handler of trigger {Trigger} failed; the message is returned to the queue")]
    private static partial void LogHandlerFailed(ILogger logger, string trigger, Exception exception);

    [LoggerMessage(
        EventId = 101,
        Level = LogLevel.Warning,
        Message = "Acknowledging a message of queue {Queue} failed; RabbitMQ will deliver it again")]
    private static partial void LogAckFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(
        EventId = 104,
        Level = LogLevel.Error,
        Message = "RabbitMQ cancelled the consumer of queue {Queue} (queue deleted or its node lost); the trigger receives nothing until the " +
            "exporter restarts")]
    private static partial void LogCancelledByServer(ILogger logger, string queue);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Stopping the consumer of queue {Queue} failed")]
    private static partial void LogStopFailed(ILogger logger, string queue, Exception exception);
}
