using System.Text;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// Reads the metric-relevant CloudEvent attributes from AMQP application properties as the CloudEvents
/// AMQP binding names them (<c>cloudEvents:</c> prefix, or <c>cloudEvents_</c> where a client cannot
/// use a colon). Strings arrive from RabbitMQ as UTF-8 bytes.
/// </summary>
public static class AmqpCloudEventHeaders
{
    /// <summary>Reads type, source and <c>knativearrivaltime</c>; absent or unreadable values are null.</summary>
    /// <param name="message">The delivered message.</param>
    /// <returns>The metadata.</returns>
    public static EventMetadata Read(BasicDeliverEventArgs message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = message.BasicProperties.Headers;
        if (headers is null)
        {
            return default;
        }

        return new EventMetadata(Get(headers, "type"), Get(headers, "source"), KnativeArrivalTime.Parse(Get(headers, KnativeArrivalTime.AttributeName)));
    }

    private static string? Get(IDictionary<string, object?> headers, string attribute)
    {
        if (!headers.TryGetValue("cloudEvents:" + attribute, out var value) && !headers.TryGetValue("cloudEvents_" + attribute, out value))
        {
            return null;
        }

        return value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        };
    }
}
