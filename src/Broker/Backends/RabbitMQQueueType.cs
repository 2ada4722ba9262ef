namespace Knative.Eventing.Metrics.Broker.Backends;

/// <summary>
/// The type of the trigger queues (<c>Broker:RabbitMQQueueType</c>) and the arguments it is declared with.
/// Quorum queues (the default, as in eventing-rabbitmq) keep a replica of every message on a majority of
/// the cluster's nodes, so a node that goes loses nothing; classic queues live on one node.
/// </summary>
internal static class RabbitMQQueueType
{
    public const string Quorum = "quorum";
    public const string Classic = "classic";

    /// <summary>Parses the setting (case-insensitive).</summary>
    /// <exception cref="InvalidOperationException">Neither quorum nor classic; the message names the setting.</exception>
    public static string Parse(string setting) => setting.Trim().ToLowerInvariant() switch
    {
        Quorum => Quorum,
        Classic => Classic,
        _ => throw new InvalidOperationException($"Invalid broker configuration: Broker:RabbitMQQueueType: '{setting}' is not quorum or classic."),
    };

    /// <summary>The queue.declare arguments of a trigger queue.</summary>
    public static Dictionary<string, object?> Arguments(string type, bool singleActiveConsumer)
    {
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = type };
        if (singleActiveConsumer)
        {
            arguments["x-single-active-consumer"] = true;
        }

        return arguments;
    }
}
