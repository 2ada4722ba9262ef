namespace Knative.Eventing.Metrics.Broker.Configuration;

/// <summary>The reference broker (section <c>Broker</c>), modelled on Knative's Broker and Trigger resources.</summary>
internal sealed class BrokerOptions
{
    public const string SectionName = "Broker";

    /// <summary><c>Embedded</c> (default), <c>RabbitMQ</c> or <c>Kafka</c>.</summary>
    public string Backend { get; set; } = "Embedded";

    /// <summary>The largest event the ingress accepts (bytes).</summary>
    public long MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the ingress waits for the backend to accept an event before answering 503.</summary>
    public string PublishTimeout { get; set; } = "PT5S";

    /// <summary>Events a trigger's embedded queue holds; past it the ingress answers 503 at once (<c>error.type</c> <c>queue_full</c>) and the
    /// producer retries.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long a graceful shutdown waits for in-flight deliveries.</summary>
    public string DrainTimeout { get; set; } = "PT10S";

    /// <summary>Prefix of backend resource names: exchanges and queues <c>{prefix}.{ns}.{broker}[.{trigger}]</c>, topics
    /// <c>{prefix}-broker-{ns}-{name}</c>, groups <c>{prefix}-trigger-{ns}-{name}</c>. Default <c>knative</c> (Knative's names).</summary>
    public string ResourcePrefix { get; set; } = "knative";

    /// <summary>
    /// The RabbitMQ server, for <c>Backend=RabbitMQ</c> (<c>--rabbitmq</c>): an amqp:// URI, or for a cluster
    /// several separated by commas (one per node, same user and virtual host); the client connects to one
    /// of them and recovers to another when that node goes.
    /// </summary>
    public string RabbitMQ { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>
    /// The type of the trigger queues the RabbitMQ backend declares: <c>quorum</c> (default, replicated
    /// over the cluster's nodes, as eventing-rabbitmq does) or <c>classic</c> (one node; lost with it).
    /// </summary>
    public string RabbitMQQueueType { get; set; } = "quorum";

    /// <summary>The Kafka bootstrap servers, for <c>Backend=Kafka</c> (<c>--kafka</c>).</summary>
    public string Kafka { get; set; } = "localhost:9092";

    /// <summary>
    /// librdkafka properties for every Kafka client the exporter creates (producer, trigger consumers,
    /// backlog readers): <c>security.protocol</c>, <c>sasl.*</c>, <c>ssl.*</c>, <c>statistics.interval.ms</c>, ….
    /// </summary>
    public Dictionary<string, string> KafkaProperties { get; set; } = [];

    /// <summary>librdkafka properties for the producer only (<c>linger.ms</c>, <c>compression.type</c>, <c>client.id</c>, …), over <see
    /// cref="KafkaProperties"/>.</summary>
    public Dictionary<string, string> KafkaProducerProperties { get; set; } = [];

    /// <summary>librdkafka properties for the trigger consumers only (<c>session.timeout.ms</c>, <c>fetch.*</c>, <c>client.id</c>, …), over <see
    /// cref="KafkaProperties"/>.</summary>
    public Dictionary<string, string> KafkaConsumerProperties { get; set; } = [];

    /// <summary>
    /// The most records a Kafka trigger's consumer holds taken and unfinished (<c>--Broker:KafkaMaxInFlight</c>): over its
    /// partitions with the default unordered delivery, per partition with <c>ordered</c>. Default 50, as eventing-kafka-broker's
    /// <c>max.poll.records</c>; 1 to 10,000.
    /// </summary>
    public int KafkaMaxInFlight { get; set; } = Metrics.Kafka.KafkaConsumerOptions.DefaultMaxInFlight;

    /// <summary>
    /// A librdkafka file to load instead of the one Confluent.Kafka ships (e.g. a system build with other
    /// security plugins); it must be at least the version Confluent.Kafka needs, or the exporter refuses to start.
    /// </summary>
    public string? LibrdkafkaPath { get; set; }

    /// <summary>
    /// Knative manifests to load (<c>--manifests</c>, repeatable): files or folders of multi-document YAML with
    /// <c>eventing.knative.dev/v1</c> Brokers and Triggers, added to <see cref="Brokers"/> and <see cref="Triggers"/>.
    /// </summary>
    public List<string> Manifests { get; set; } = [];

    /// <summary>Addresses of the references manifests name (<c>--resolve Kind/namespace/name=url</c>, repeatable).</summary>
    public List<string> Resolve { get; set; } = [];

    public List<BrokerDefinition> Brokers { get; set; } = [];

    public List<TriggerDefinition> Triggers { get; set; } = [];

    /// <summary>Sender authentication with OIDC tokens (Knative's <c>authentication-oidc</c>); off while <see cref="OidcOptions.Issuer"/>
    /// is unset.</summary>
    public OidcOptions Oidc { get; set; } = new();
}

/// <summary>A Broker resource.</summary>
internal sealed class BrokerDefinition
{
    public string Namespace { get; set; } = "default";

    public string Name { get; set; } = string.Empty;
}

/// <summary>A Trigger resource.</summary>
internal sealed class TriggerDefinition
{
    public string Name { get; set; } = string.Empty;

    /// <summary>The trigger's (and its broker's) namespace.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>The broker's name.</summary>
    public string Broker { get; set; } = "default";

    public FilterDefinition Filter { get; set; } = new();

    /// <summary>The subscriber URI: <c>http(s)://…</c>, or <c>inproc://name</c> for a subscriber inside the exporter.</summary>
    public string Subscriber { get; set; } = string.Empty;

    public DeliveryDefinition Delivery { get; set; } = new();

    /// <summary>The parallelism of a trigger that does not set one (embedded and RabbitMQ backends).</summary>
    public const int DefaultParallelism = 10;

    /// <summary>
    /// Deliveries in flight at once for this trigger (default <see cref="DefaultParallelism"/>), embedded and RabbitMQ
    /// backends. The Kafka backend refuses a value above 1: its concurrency is <see cref="DeliveryOrder"/> with
    /// <see cref="BrokerOptions.KafkaMaxInFlight"/>.
    /// </summary>
    public int? Parallelism { get; set; }

    /// <summary>
    /// Kafka only, as the annotation <c>kafka.eventing.knative.dev/delivery.order</c>: <c>unordered</c> (the default:
    /// records handled concurrently) or <c>ordered</c> (one at a time per partition, in offset order).
    /// </summary>
    public string? DeliveryOrder { get; set; }

    /// <summary>
    /// RabbitMQ only: declare the trigger's queue with RabbitMQ's single active consumer, so that of the
    /// replicas' consumers one at a time receives, and the subscriber sees the queue's order (FIFO) across
    /// replicas. Needs a parallelism of 1 (the default when set); the other replicas stand by for this trigger.
    /// </summary>
    public bool SingleActiveConsumer { get; set; }
}

/// <summary>Knative's filter: exact attribute matches, plus prefix and suffix matches (all must hold).</summary>
internal sealed class FilterDefinition
{
    public Dictionary<string, string> Attributes { get; set; } = [];

    public Dictionary<string, string> Prefix { get; set; } = [];

    public Dictionary<string, string> Suffix { get; set; } = [];
}

/// <summary>Knative's delivery spec.</summary>
internal sealed class DeliveryDefinition
{
    /// <summary>Retries after the first attempt.</summary>
    public int Retry { get; set; }

    /// <summary><c>linear</c> or <c>exponential</c>.</summary>
    public string BackoffPolicy { get; set; } = "exponential";

    /// <summary>ISO-8601 duration, e.g. <c>PT0.2S</c>.</summary>
    public string BackoffDelay { get; set; } = "PT0.2S";

    /// <summary>ISO-8601 duration of one attempt.</summary>
    public string Timeout { get; set; } = "PT10S";

    /// <summary>Where events go when retries are exhausted (same URI forms as the subscriber).</summary>
    public string? DeadLetterSink { get; set; }
}
