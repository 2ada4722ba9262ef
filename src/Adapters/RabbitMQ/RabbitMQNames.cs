namespace Knative.Eventing.Metrics.RabbitMQ;

/// <summary>
/// The RabbitMQ broker layout's naming, the one place it is spelled: one exchange per broker
/// (<c>{prefix}.{namespace}.{name}</c>), one queue per trigger (<c>{prefix}.{namespace}.{broker}.{trigger}</c>).
/// </summary>
public static class RabbitMQNames
{
    /// <summary>The default prefix, <c>knative</c>.</summary>
    public const string DefaultPrefix = "knative";

    /// <summary>The broker's exchange: <c>{prefix}.{namespace}.{name}</c>.</summary>
    /// <param name="broker">The broker.</param>
    /// <param name="prefix">The resource prefix (<c>knative</c> by default).</param>
    /// <returns>The exchange name.</returns>
    /// <exception cref="ArgumentException">The broker is null or the prefix empty.</exception>
    public static string Exchange(BrokerRef broker, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return $"{prefix}.{broker.Namespace}.{broker.Name}";
    }

    /// <summary>The trigger's queue: <c>{prefix}.{namespace}.{broker}.{trigger}</c>.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="prefix">The resource prefix (<c>knative</c> by default).</param>
    /// <returns>The queue name.</returns>
    /// <exception cref="ArgumentException">The trigger is null or the prefix empty.</exception>
    public static string Queue(TriggerRef trigger, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return $"{prefix}.{trigger.Namespace}.{trigger.Broker.Name}.{trigger.Name}";
    }
}
