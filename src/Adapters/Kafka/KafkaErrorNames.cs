using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// The librdkafka name of an error code (<c>rd_kafka_err2name</c>): local errors as <c>_MSG_TIMED_OUT</c>,
/// broker errors as <c>UNKNOWN_TOPIC_OR_PART</c>. Derived from Confluent.Kafka's <see cref="ErrorCode"/>
/// names (Local_MsgTimedOut → _MSG_TIMED_OUT), cached, so no native call is needed.
/// </summary>
internal static class KafkaErrorNames
{
    private static readonly ConcurrentDictionary<ErrorCode, string> Names = new();

    /// <summary>The librdkafka name of <paramref name="code"/>.</summary>
    /// <param name="code">The error code.</param>
    /// <returns>The name, e.g. <c>_MSG_TIMED_OUT</c>.</returns>
    public static string Of(ErrorCode code) => Names.GetOrAdd(code, static c =>
    {
        var name = c.ToString();
        if (int.TryParse(name, out _))
        {
            return ErrorTypes.Other;
        }

        var local = name.StartsWith("Local_", StringComparison.Ordinal);
        if (local)
        {
            name = name["Local_".Length..];
        }

        var snake = new StringBuilder(local ? "_" : string.Empty);
        for (var i = 0; i < name.Length; i++)
        {
            var ch = name[i];
            var wordStart = char.IsLower(name[Math.Max(i - 1, 0)])
                || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[Math.Max(i - 1, 0)]));
            if (char.IsUpper(ch) && i > 0 && wordStart)
            {
                snake.Append('_');
            }

            snake.Append(char.ToUpperInvariant(ch));
        }

        return snake.ToString();
    });
}
