using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>The consumer's log messages.</summary>
public sealed partial class KafkaTriggerConsumer
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Consumer group {Group}: {Count} partitions assigned, {Held} held")]
    private static partial void LogAssigned(ILogger logger, string group, int count, int held);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Consumer group {Group}: {Count} partitions revoked, {Held} held")]
    private static partial void LogRevoked(ILogger logger, string group, int count, int held);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Consumer group {Group}: client error {Error}: {Reason}")]
    private static partial void LogClientError(ILogger logger, string group, string error, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Consumer group {Group}: consume failed ({Error})")]
    private static partial void LogConsumeFailed(ILogger logger, string group, string error, Exception exception);

    [LoggerMessage(
        EventId = 205,
        Level = LogLevel.Warning,
        Message = "The handler of trigger {Trigger} failed; the record is handled again after the backoff")]
    private static partial void LogHandlerFailed(ILogger logger, string trigger, Exception exception);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Consumer group {Group}: commit failed ({Error})")]
    private static partial void LogCommitFailed(ILogger logger, string group, string error, Exception exception);

    [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "Consumer group {Group}: the consume loop failed")]
    private static partial void LogLoopFailed(ILogger logger, string group, Exception exception);

    [LoggerMessage(
        EventId = 209,
        Level = LogLevel.Warning,
        Message = "Consumer group {Group}: a handler did not return within {Grace} of being cancelled; closing anyway")]
    private static partial void LogHandlerIgnoredCancellation(ILogger logger, string group, TimeSpan grace);

    [LoggerMessage(
        EventId = 210,
        Level = LogLevel.Debug,
        Message = "Consumer group {Group}: offset {Offset} not stored ({Error}); the partition left this consumer")]
    private static partial void LogStoreFailed(ILogger logger, string group, string offset, string error);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "Consumer group {Group}: closing failed")]
    private static partial void LogCloseFailed(ILogger logger, string group, Exception exception);

    [LoggerMessage(
        EventId = 211,
        Level = LogLevel.Warning,
        Message = "Consumer group {Group}: committing offsets fails ({Error}); "
            + "what is handled until a commit succeeds is delivered again if the partitions move")]
    private static partial void LogCommitsFailing(ILogger logger, string group, string error);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Consumer group {Group}: offsets are committed again after {Error}")]
    private static partial void LogCommitsRecovered(ILogger logger, string group, string error);
}
