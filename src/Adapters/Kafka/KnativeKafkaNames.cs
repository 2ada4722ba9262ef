namespace Knative.Eventing.Metrics.Kafka;

/// <summary>Knative's Kafka broker naming: one topic per broker, one consumer group per trigger.</summary>
public static class KnativeKafkaNames
{
    /// <summary>The broker's topic: <c>knative-broker-{namespace}-{name}</c>.</summary>
    /// <param name="broker">The broker.</param>
    /// <returns>The topic name.</returns>
    public static string Topic(BrokerRef broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return $"knative-broker-{broker.Namespace}-{broker.Name}";
    }

    /// <summary>The trigger's consumer group: <c>knative-trigger-{namespace}-{name}</c>.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <returns>The group id.</returns>
    public static string ConsumerGroup(TriggerRef trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return $"knative-trigger-{trigger.Namespace}-{trigger.Name}";
    }
}
