namespace Knative.Eventing.Metrics.Broker.Model;

/// <summary>
/// Where a broker or trigger was declared, for error messages that name the field the way its source does:
/// a setting (<c>Broker:Triggers:0:Name</c>) or a manifest field (<c>file: document 2 (Trigger ns/name): metadata.name</c>).
/// </summary>
/// <param name="Prefix">The setting's path (<c>Broker:Triggers:0</c>) or the manifest document.</param>
/// <param name="InManifest">Whether it came from a manifest.</param>
internal sealed record Declared(string Prefix, bool InManifest)
{
    /// <summary>The field as its source names it: <paramref name="setting"/> for settings, <paramref name="manifest"/> for manifests.</summary>
    public string Field(string setting, string manifest) => InManifest ? $"{Prefix}: {manifest}" : $"{Prefix}:{setting}";
}

/// <summary>A broker as one source declared it.</summary>
internal sealed record BrokerDeclaration(string Namespace, string Name, Declared Where)
{
    /// <summary>Its labels (<c>metadata.labels</c>), which EventPolicy selectors match.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

/// <summary>A trigger as one source declared it, checked on its own; the topology resolves its broker and checks it against the others.</summary>
internal sealed record TriggerDeclaration(
    string Namespace,
    string Broker,
    string Name,
    Filtering.ITriggerFilter Filter,
    Uri Subscriber,
    DeliveryPolicy Delivery,
    int? Parallelism,
    bool SingleActiveConsumer,
    Declared Where)
{
    /// <summary>Kafka's delivery order when the source set one (null: the default, unordered).</summary>
    public Kafka.KafkaDeliveryOrder? DeliveryOrder { get; init; }
}
