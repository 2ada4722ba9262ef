using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.Broker.Manifests;

namespace Knative.Eventing.Metrics.Broker.Topology;

/// <summary>A configured trigger, validated and parsed once.</summary>
internal sealed record TriggerModel(
    TriggerRef Ref,
    ITriggerFilter Filter,
    Uri Subscriber,
    int Retry,
    bool ExponentialBackoff,
    TimeSpan BackoffDelay,
    TimeSpan Timeout,
    Uri? DeadLetterSink,
    int Parallelism,
    bool SingleActiveConsumer = false);

/// <summary>The validated broker configuration: brokers with their triggers.</summary>
internal sealed class BrokerModel
{
    private readonly Dictionary<(string Namespace, string Name), BrokerRef> _brokers;

    private BrokerModel(Dictionary<(string, string), BrokerRef> brokers, List<TriggerModel> triggers, TimeSpan publishTimeout, TimeSpan drainTimeout)
    {
        _brokers = brokers;
        Triggers = triggers;
        PublishTimeout = publishTimeout;
        DrainTimeout = drainTimeout;
    }

    public IReadOnlyCollection<BrokerRef> Brokers => _brokers.Values;

    public IReadOnlyList<TriggerModel> Triggers { get; }

    public TimeSpan PublishTimeout { get; }

    public TimeSpan DrainTimeout { get; }

    public BrokerRef? Find(string @namespace, string name) => _brokers.GetValueOrDefault((@namespace, name));

    public IEnumerable<TriggerModel> TriggersOf(BrokerRef broker) => Triggers.Where(t => t.Ref.Broker.Equals(broker));

    /// <summary>
    /// Validates <paramref name="options"/> and loads its manifests, or <paramref name="defaultManifests"/> when it
    /// names none (the host's: the game's when the game runs); the exception names the first invalid field.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configuration is invalid.</exception>
    public static BrokerModel Build(BrokerOptions options, IReadOnlyList<string> defaultManifests)
    {
        const string root = BrokerOptions.SectionName;
        var manifests = KnativeManifests.Load(options.Manifests.Count > 0 ? options.Manifests : defaultManifests, options.Resolve, options.Backend);
        // Manifests first (the game's, by default), then what settings add, each named as its source names it.
        var brokerDefinitions = manifests.Brokers.Select(b => (Definition: b, Path: "--manifests"))
            .Concat(options.Brokers.Select((b, i) => (Definition: b, Path: $"{root}:Brokers:{i}"))).ToList();
        var triggerDefinitions = manifests.Triggers.Select(t => (Definition: t, Path: t.Source!))
            .Concat(options.Triggers.Select((t, i) => (Definition: t, Path: $"{root}:Triggers:{i}"))).ToList();
        var brokers = new Dictionary<(string, string), BrokerRef>();
        if (brokerDefinitions.Count == 0)
        {
            throw Invalid($"{root}:Brokers", "at least one broker is required (in settings or in --manifests)");
        }

        foreach (var (b, path) in brokerDefinitions)
        {
            var broker = Name(() => new BrokerRef(b.Namespace, b.Name), path);
            if (!brokers.TryAdd((broker.Namespace, broker.Name), broker))
            {
                throw Invalid($"{path}:Name", $"broker {broker} is defined twice");
            }
        }

        var triggers = new List<TriggerModel>();
        foreach (var (t, path) in triggerDefinitions)
        {
            var broker = brokers.GetValueOrDefault((t.Namespace, t.Broker))
                ?? throw Invalid(t.Source is null ? $"{path}:Broker" : $"{path}: spec.broker", $"no broker '{t.Broker}' in namespace '{t.Namespace}'");
            var trigger = Name(() => new TriggerRef(broker, t.Name), path);
            if (triggers.Any(x => x.Ref.Equals(trigger)))
            {
                throw Invalid(t.Source is null ? $"{path}:Name" : $"{path}: metadata.name", $"trigger {trigger} is defined twice");
            }

            foreach (var (kind, map) in new[] { ("Attributes", t.Filter.Attributes), ("Prefix", t.Filter.Prefix), ("Suffix", t.Filter.Suffix) })
            {
                foreach (var attribute in map.Keys)
                {
                    if (!Knative.Eventing.Metrics.CloudEvents.CloudEventValidator.IsValidAttributeName(attribute))
                    {
                        throw Invalid($"{path}:Filter:{kind}:{attribute}", "attribute names are lower-case letters and digits");
                    }
                }
            }

            var delivery = t.Delivery;
            if (delivery.Retry is < 0 or > 100)
            {
                throw Invalid($"{path}:Delivery:Retry", $"must be 0 to 100 (was {delivery.Retry})");
            }

            var policy = delivery.BackoffPolicy.ToLowerInvariant();
            if (policy is not ("linear" or "exponential"))
            {
                throw Invalid($"{path}:Delivery:BackoffPolicy", $"must be linear or exponential (was '{delivery.BackoffPolicy}')");
            }

            if (t.Parallelism is < 1 or > 1000)
            {
                throw Invalid($"{path}:Parallelism", $"must be 1 to 1000 (was {t.Parallelism})");
            }

            var kafka = string.Equals(options.Backend, "kafka", StringComparison.OrdinalIgnoreCase);
            if (kafka && t.Parallelism is > 1)
            {
                // Not silently ignored: Knative's Kafka broker keeps partition order, so a trigger's consumer
                // handles one record at a time; more throughput comes from partitions and replicas.
                throw Invalid($"{path}:Parallelism", $"the Kafka backend delivers a trigger's records one at a time, in partition order (was {t.Parallelism}); scale out with partitions and replicas, and remove the setting");
            }

            if (t.SingleActiveConsumer)
            {
                if (!RabbitMQ(options.Backend))
                {
                    throw Invalid($"{path}:SingleActiveConsumer", $"only the RabbitMQ backend has single active consumers (backend {options.Backend}; Kafka keeps partition order already)");
                }

                if (t.Parallelism is > 1)
                {
                    throw Invalid($"{path}:Parallelism", $"a single active consumer delivers in queue order only one event at a time (was {t.Parallelism}); remove the setting or set 1");
                }
            }

            triggers.Add(new TriggerModel(
                trigger,
                t.CompiledFilter ?? SettingsFilter(t.Filter),
                SubscriberUri(t.Subscriber, $"{path}:Subscriber") ?? throw Invalid($"{path}:Subscriber", "a subscriber URI is required"),
                delivery.Retry,
                policy == "exponential",
                Duration(delivery.BackoffDelay, $"{path}:Delivery:BackoffDelay"),
                Duration(delivery.Timeout, $"{path}:Delivery:Timeout"),
                SubscriberUri(delivery.DeadLetterSink, $"{path}:Delivery:DeadLetterSink"),
                kafka || t.SingleActiveConsumer ? 1 : t.Parallelism ?? TriggerDefinition.DefaultParallelism,
                t.SingleActiveConsumer));
        }

        return new BrokerModel(brokers, triggers, Duration(options.PublishTimeout, $"{root}:PublishTimeout"), Duration(options.DrainTimeout, $"{root}:DrainTimeout"));
    }

    /// <summary>
    /// The filter of a trigger from settings: <c>Attributes</c> with Knative's <c>spec.filter.attributes</c>
    /// semantics (an empty value is "any value"), and all of <c>Prefix</c> and <c>Suffix</c> (as the prefix and
    /// suffix dialects of <c>spec.filters</c>).
    /// </summary>
    private static ITriggerFilter SettingsFilter(FilterDefinition filter)
    {
        var parts = new List<ITriggerFilter> { new AttributesFilter(filter.Attributes) };
        if (filter.Prefix.Count > 0)
        {
            parts.Add(new AttributeMatchFilter(AttributeMatch.Prefix, filter.Prefix));
        }

        if (filter.Suffix.Count > 0)
        {
            parts.Add(new AttributeMatchFilter(AttributeMatch.Suffix, filter.Suffix));
        }

        return CombinedFilter.All(parts);
    }

    private static bool RabbitMQ(string backend) => backend.ToLowerInvariant() is "rabbitmq" or "rabbitmqbroker";

    private static T Name<T>(Func<T> create, string path)
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            throw Invalid($"{path}:{(ex.ParamName == "namespace" ? "Namespace" : "Name")}", ex.Message);
        }
    }

    private static TimeSpan Duration(string value, string path) => IsoDuration.ParsePositive(value, problem => Invalid(path, problem));

    private static Uri? SubscriberUri(string? value, string path)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "inproc"
            ? uri
            : throw Invalid(path, $"'{value}' is not an http(s):// or inproc:// URI");
    }

    private static InvalidOperationException Invalid(string field, string message) => new($"Invalid broker configuration: {field}: {message}.");
}
