namespace Knative.Eventing.Metrics;

/// <summary>
/// A trigger of a broker, created once per trigger and reused on every measurement. Its namespace
/// is the broker's, as in Knative.
/// </summary>
public sealed class TriggerRef : IEquatable<TriggerRef>
{
    /// <summary>Creates the context of a trigger.</summary>
    /// <param name="broker">The broker the trigger subscribes to.</param>
    /// <param name="name">The trigger's name (<c>kn.trigger.name</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="broker"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is null, blank or longer than 253 characters.</exception>
    public TriggerRef(BrokerRef broker, string name)
    {
        ArgumentNullException.ThrowIfNull(broker);
        Broker = broker;
        Name = KubernetesName.Validate(name, nameof(name));
        SubscriberDestination = $"trigger:{name}.{broker.Namespace}";
        DeadLetterDestination = $"deadletter:{name}.{broker.Namespace}";
        ReplyDestination = $"reply:{name}.{broker.Namespace}";
        ProcessSpanName = $"{KnativeAttributes.OperationProcess} {SubscriberDestination}";
        SubscriberSpanName = $"{KnativeAttributes.OperationSend} {SubscriberDestination}";
        DeadLetterSpanName = $"{KnativeAttributes.OperationSend} {DeadLetterDestination}";
        ReplySpanName = $"{KnativeAttributes.OperationSend} {ReplyDestination}";
    }

    /// <summary>The broker.</summary>
    public BrokerRef Broker { get; }

    /// <summary>The trigger's name.</summary>
    public string Name { get; }

    /// <summary>The trigger's namespace (the broker's).</summary>
    public string Namespace => Broker.Namespace;

    /// <summary><c>trigger:&lt;name&gt;.&lt;namespace&gt;</c>, Knative's destination form for the subscriber.</summary>
    public string SubscriberDestination { get; }

    /// <summary><c>deadletter:&lt;name&gt;.&lt;namespace&gt;</c>, the destination form for the dead-letter sink.</summary>
    public string DeadLetterDestination { get; }

    /// <summary><c>reply:&lt;name&gt;.&lt;namespace&gt;</c>, the destination form for replies.</summary>
    public string ReplyDestination { get; }

    /// <summary>The <c>messaging.destination.name</c> of a dispatch target.</summary>
    /// <param name="target">The target.</param>
    /// <returns>The destination name.</returns>
    public string DestinationOf(DispatchTarget target) => target switch
    {
        DispatchTarget.DeadLetterSink => DeadLetterDestination,
        DispatchTarget.Reply => ReplyDestination,
        _ => SubscriberDestination,
    };

    /// <summary>The process span's name (built once, not per event).</summary>
    internal string ProcessSpanName { get; }

    internal string SubscriberSpanName { get; }

    internal string DeadLetterSpanName { get; }

    internal string ReplySpanName { get; }

    /// <summary>The attempt span's name for <paramref name="target"/>: <c>send {destination}</c>.</summary>
    internal string AttemptSpanName(DispatchTarget target) => target switch
    {
        DispatchTarget.DeadLetterSink => DeadLetterSpanName,
        DispatchTarget.Reply => ReplySpanName,
        _ => SubscriberSpanName,
    };

    /// <inheritdoc/>
    public bool Equals(TriggerRef? other) =>
        other is not null && Broker.Equals(other.Broker) && Name == other.Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TriggerRef);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Broker, Name);

    /// <summary>Returns <c>namespace/broker/trigger</c>.</summary>
    /// <returns>The trigger's key.</returns>
    public override string ToString() => $"{Broker}/{Name}";
}
