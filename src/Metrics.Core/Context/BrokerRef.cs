namespace Knative.Eventing.Metrics;

/// <summary>
/// A broker, created once (per broker, not per event) and reused on every measurement, so hot
/// paths only add the per-event attributes.
/// </summary>
public sealed class BrokerRef : IEquatable<BrokerRef>
{
    /// <summary>Creates the context of a broker.</summary>
    /// <param name="namespace">The broker's Kubernetes namespace (<c>kn.broker.namespace</c>).</param>
    /// <param name="name">The broker's name (<c>kn.broker.name</c>).</param>
    /// <param name="ingressDestination">
    /// The backend destination the ingress writes to (<c>messaging.destination.name</c> of
    /// <c>kn.eventing.ingress.duration</c>), e.g. the RabbitMQ exchange or Kafka topic; defaults to
    /// <c>broker:&lt;name&gt;.&lt;namespace&gt;</c>.
    /// </param>
    /// <exception cref="ArgumentException">A name is null, blank or longer than 253 characters.</exception>
    public BrokerRef(string @namespace, string name, string? ingressDestination = null)
    {
        Namespace = KubernetesName.Validate(@namespace, nameof(@namespace));
        Name = KubernetesName.Validate(name, nameof(name));
        IngressDestination = ingressDestination is null
            ? $"broker:{name}.{@namespace}"
            : KubernetesName.Validate(ingressDestination, nameof(ingressDestination));
        IngressSpanName = $"{KnativeAttributes.OperationSend} {IngressDestination}";
        PublishSpanName = $"{SpanAttributes.OperationPublish} {IngressDestination}";
    }

    /// <summary>The ingress span's name (built once, not per request).</summary>
    internal string IngressSpanName { get; }

    /// <summary>The publish span's name (built once, not per event).</summary>
    internal string PublishSpanName { get; }

    /// <summary>The broker's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The broker's name.</summary>
    public string Name { get; }

    /// <summary>The backend destination the ingress writes to.</summary>
    public string IngressDestination { get; }

    /// <inheritdoc/>
    public bool Equals(BrokerRef? other) =>
        other is not null && Namespace == other.Namespace && Name == other.Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as BrokerRef);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Namespace, Name);

    /// <summary>Returns <c>namespace/name</c>.</summary>
    /// <returns>The broker's key.</returns>
    public override string ToString() => $"{Namespace}/{Name}";
}
