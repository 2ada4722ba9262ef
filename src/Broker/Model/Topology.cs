using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Backends;
using Knative.Eventing.Metrics.Broker.Manifests;

namespace Knative.Eventing.Metrics.Broker.Model;

/// <summary>The validated broker configuration: brokers with their triggers.</summary>
internal sealed class Topology
{
    private readonly Dictionary<(string Namespace, string Name), BrokerRef> _brokers;

    private Topology(
        Dictionary<(string, string), BrokerRef> brokers,
        List<TriggerModel> triggers,
        TimeSpan publishTimeout,
        TimeSpan drainTimeout,
        int kafkaMaxInFlight)
    {
        KafkaMaxInFlight = kafkaMaxInFlight;
        _brokers = brokers;
        Triggers = triggers;
        PublishTimeout = publishTimeout;
        DrainTimeout = drainTimeout;
    }

    public IReadOnlyCollection<BrokerRef> Brokers => _brokers.Values;

    public IReadOnlyList<TriggerModel> Triggers { get; }

    public TimeSpan PublishTimeout { get; }

    public TimeSpan DrainTimeout { get; }

    /// <summary>A Kafka trigger consumer's limit of records taken and unfinished (<see cref="BrokerOptions.KafkaMaxInFlight"/>).</summary>
    public int KafkaMaxInFlight { get; }

    public BrokerRef? Find(string @namespace, string name) => _brokers.GetValueOrDefault((@namespace, name));

    public IEnumerable<TriggerModel> TriggersOf(BrokerRef broker) => Triggers.Where(t => t.Ref.Broker.Equals(broker));

    /// <summary>What Knative would ignore in the manifests (and so the exporter ignores too), one line each, for the host to log.</summary>
    public IReadOnlyList<string> Warnings { get; private init; } = [];

    /// <summary>
    /// Validates <paramref name="options"/> and loads its manifests, or <paramref name="defaultManifests"/> when it
    /// names none (the host's: the game's when the game runs), into one topology; the exception names the first
    /// invalid field as its source names it (a setting, or a manifest's file, document and field).
    /// </summary>
    /// <exception cref="InvalidOperationException">The configuration is invalid.</exception>
    public static Topology Build(BrokerOptions options, IReadOnlyList<string> defaultManifests)
    {
        var oidc = OidcOf(options.Oidc);
        var manifests = KnativeManifests.Load(
            options.Manifests.Count > 0 ? options.Manifests : defaultManifests,
            options.Resolve,
            options.Backend,
            oidc is not null);
        // Manifests first (the game's, by default), then what settings add.
        var brokerDeclarations = manifests.Brokers.Concat(SettingsDeclarations.Brokers(options)).ToList();
        if (brokerDeclarations.Count == 0)
        {
            throw Invalid($"{BrokerOptions.SectionName}:Brokers", "at least one broker is required (in settings or in --manifests)");
        }

        var brokers = new Dictionary<(string, string), BrokerRef>();
        foreach (var b in brokerDeclarations)
        {
            var broker = Name(() => new BrokerRef(b.Namespace, b.Name), b.Where);
            if (!brokers.TryAdd((broker.Namespace, broker.Name), broker))
            {
                throw Invalid(b.Where.Field("Name", "metadata.name"), $"broker {broker} is defined twice");
            }
        }

        var kafka = BackendFactory.BrokerClass(options.Backend) == "Kafka";
        var rabbitMQ = BackendFactory.BrokerClass(options.Backend) == "RabbitMQBroker";
        var triggers = new List<TriggerModel>();
        foreach (var t in manifests.Triggers.Concat(SettingsDeclarations.Triggers(options)))
        {
            var broker = brokers.GetValueOrDefault((t.Namespace, t.Broker))
                ?? throw Invalid(t.Where.Field("Broker", "spec.broker"), $"no broker '{t.Broker}' in namespace '{t.Namespace}'");
            var trigger = Name(() => new TriggerRef(broker, t.Name), t.Where);
            if (triggers.Any(x => x.Ref.Equals(trigger)))
            {
                throw Invalid(t.Where.Field("Name", "metadata.name"), $"trigger {trigger} is defined twice");
            }

            if (kafka && t.Parallelism is > 1)
            {
                // Not silently ignored: the parallelism is RabbitMQ's; a Kafka trigger's concurrency is its delivery order
                // (unordered: many records at once; ordered: one per partition) with Broker:KafkaMaxInFlight.
                throw Invalid(
                    t.Where.Field("Parallelism", $"metadata.annotations.{KnativeManifests.ParallelismAnnotation}"),
                    $"the Kafka backend's concurrency is the delivery order " +
                        $"({KnativeManifests.DeliveryOrderAnnotation}, {BrokerOptions.SectionName}:Triggers:N:DeliveryOrder) " +
                        $"with {BrokerOptions.SectionName}:KafkaMaxInFlight (was {t.Parallelism}); remove the setting");
            }

            if (!kafka && t.DeliveryOrder is not null)
            {
                throw Invalid(
                    t.Where.Field("DeliveryOrder", $"metadata.annotations.{KnativeManifests.DeliveryOrderAnnotation}"),
                    $"only the Kafka backend has a delivery order (backend {options.Backend})");
            }

            if (t.SingleActiveConsumer)
            {
                if (!rabbitMQ)
                {
                    throw Invalid(
                        t.Where.Field("SingleActiveConsumer", "spec"),
                        $"only the RabbitMQ backend has single active consumers (backend {options.Backend}; " +
                            "on Kafka, delivery.order ordered keeps partition order)");
                }

                if (t.Parallelism is > 1)
                {
                    throw Invalid(
                        t.Where.Field("Parallelism", "spec"),
                        $"a single active consumer delivers in queue order only one event at a time (was {t.Parallelism}); remove the setting or " +
                            $"set 1");
                }
            }

            var d = t.Delivery;
            triggers.Add(new TriggerModel(
                trigger,
                t.Filter,
                t.Subscriber,
                d.Retry,
                d.ExponentialBackoff,
                d.BackoffDelay,
                d.Timeout,
                d.DeadLetterSink,
                kafka || t.SingleActiveConsumer ? 1 : t.Parallelism ?? TriggerDefinition.DefaultParallelism,
                t.SingleActiveConsumer,
                t.DeliveryOrder ?? Kafka.KafkaDeliveryOrder.Unordered));
        }

        return new Topology(
            brokers,
            triggers,
            Duration(options.PublishTimeout, $"{BrokerOptions.SectionName}:PublishTimeout"),
            Duration(options.DrainTimeout, $"{BrokerOptions.SectionName}:DrainTimeout"),
            options.KafkaMaxInFlight is >= 1 and <= 10_000
                ? options.KafkaMaxInFlight
                : throw Invalid($"{BrokerOptions.SectionName}:KafkaMaxInFlight", $"must be 1 to 10000 (was {options.KafkaMaxInFlight})"))
        {
            Warnings = manifests.Warnings,
            DestinationTrust = manifests.Trust,
            Oidc = oidc,
            Authorizer = oidc is null
                ? null
                : new Security.SenderAuthorizer(
                    brokerDeclarations.Select(b => (brokers[(b.Namespace, b.Name)], b.Labels)),
                    manifests.Policies,
                    manifests.Features?.Mode ?? Security.AuthorizationMode.AllowSameNamespace),
        };
    }

    /// <summary>The CAs https subscribers and dead-letter sinks are trusted through (their Destinations' <c>CACerts</c>).</summary>
    public Security.DestinationTrust DestinationTrust { get; private init; } = new();

    /// <summary>Sender authentication (<c>Broker:Oidc</c>), when it is on.</summary>
    public Security.OidcSettings? Oidc { get; private init; }

    /// <summary>Who may send what to which broker (EventPolicies, <c>default-authorization-mode</c>), when sender authentication is on.</summary>
    public Security.SenderAuthorizer? Authorizer { get; private init; }

    private static Security.OidcSettings? OidcOf(OidcOptions options)
    {
        if (!options.Enabled)
        {
            return null;
        }

        const string path = $"{BrokerOptions.SectionName}:Oidc";
        if (!Uri.TryCreate(options.Issuer, UriKind.Absolute, out var issuer) || issuer.Scheme is not ("http" or "https")
            || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
        {
            throw Invalid($"{path}:Issuer", $"'{options.Issuer}' is not an absolute http(s) URL without query or fragment");
        }

        if (issuer.Scheme == "http" && !issuer.IsLoopback)
        {
            throw Invalid(
                $"{path}:Issuer",
                $"'{options.Issuer}' is plain http on a non-loopback host: the issuer's keys decide who may send, so they must come over https " +
                    "(http is accepted on 127.0.0.1, ::1 and localhost, for local use and tests)");
        }

        var skew = IsoDuration.ParsePositive(options.ClockSkew == "PT0S" ? "PT0.001S" : options.ClockSkew, p => Invalid($"{path}:ClockSkew", p));
        if (skew > TimeSpan.FromMinutes(5))
        {
            throw Invalid($"{path}:ClockSkew", $"must be at most PT5M (was {options.ClockSkew})");
        }

        var keysTimeout = Duration(options.KeysTimeout, $"{path}:KeysTimeout");
        if (keysTimeout < TimeSpan.FromMilliseconds(100) || keysTimeout > TimeSpan.FromSeconds(30))
        {
            throw Invalid($"{path}:KeysTimeout", $"must be PT0.1S to PT30S (was {options.KeysTimeout})");
        }

        if (options.MaxTokenBytes is < 1024 or > 65_536)
        {
            throw Invalid($"{path}:MaxTokenBytes", $"must be 1024 to 65536 (was {options.MaxTokenBytes})");
        }

        return new Security.OidcSettings(issuer, skew, keysTimeout, options.MaxTokenBytes);
    }

    private static T Name<T>(Func<T> create, Declared where)
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            throw Invalid(
                ex.ParamName == "namespace" ? where.Field("Namespace", "metadata.namespace") : where.Field("Name", "metadata.name"),
                ex.Message);
        }
    }

    /// <summary>A positive ISO-8601 duration of a setting.</summary>
    internal static TimeSpan Duration(string value, string path) => IsoDuration.ParsePositive(value, problem => Invalid(path, problem));

    /// <summary>The error of an invalid field, as startup reports it.</summary>
    internal static InvalidOperationException Invalid(string field, string message) => new($"Invalid broker configuration: {field}: {message}.");
}
