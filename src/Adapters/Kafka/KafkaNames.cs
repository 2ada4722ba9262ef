namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// Knative's Kafka broker naming, the one place it is spelled: one topic per broker
/// (<c>{prefix}-broker-{namespace}-{name}</c>), one consumer group per trigger
/// (<c>{prefix}-trigger-{namespace}-{name}</c>). The prefix is <see cref="DefaultPrefix"/> in Knative.
/// </summary>
public static class KafkaNames
{
    /// <summary>Knative's prefix, <c>knative</c>.</summary>
    public const string DefaultPrefix = "knative";

    /// <summary>The broker's topic: <c>{prefix}-broker-{namespace}-{name}</c>.</summary>
    /// <param name="broker">The broker.</param>
    /// <param name="prefix">The resource prefix (Knative's <c>knative</c> by default).</param>
    /// <returns>The topic name.</returns>
    /// <exception cref="ArgumentException">The broker is null or the prefix empty.</exception>
    public static string Topic(BrokerRef broker, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return $"{prefix}-broker-{broker.Namespace}-{broker.Name}";
    }

    /// <summary>The trigger's consumer group: <c>{prefix}-trigger-{namespace}-{name}</c>.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="prefix">The resource prefix (Knative's <c>knative</c> by default).</param>
    /// <returns>The group id.</returns>
    /// <exception cref="ArgumentException">The trigger is null or the prefix empty.</exception>
    public static string ConsumerGroup(TriggerRef trigger, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return $"{prefix}-trigger-{trigger.Namespace}-{trigger.Name}";
    }
}
