using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Broker.Configuration;

/// <summary>
/// The librdkafka properties an operator adds to the exporter's Kafka clients (<c>Broker:KafkaProperties</c>
/// for every client, <c>Broker:KafkaProducerProperties</c> and <c>Broker:KafkaConsumerProperties</c> over
/// them): security, timeouts, tuning. Properties the broker's guarantees rest on are the exporter's and
/// are refused at startup, naming the setting and why.
/// </summary>
internal sealed class KafkaClientProperties
{
    private const string Common = BrokerOptions.SectionName + ":" + nameof(BrokerOptions.KafkaProperties);
    private const string Producer = BrokerOptions.SectionName + ":" + nameof(BrokerOptions.KafkaProducerProperties);
    private const string Consumer = BrokerOptions.SectionName + ":" + nameof(BrokerOptions.KafkaConsumerProperties);

    // librdkafka's aliases of these names are listed with them: an alias would set the same property.
    private static readonly Dictionary<string, string> ReservedEverywhere = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bootstrap.servers"] = "set the servers with Broker:Kafka (--kafka)",
        ["metadata.broker.list"] = "set the servers with Broker:Kafka (--kafka)",
    };

    private static readonly Dictionary<string, string> ReservedForProducer = new(StringComparer.OrdinalIgnoreCase)
    {
        ["acks"] = "the ingress answers 202 only after every in-sync replica has the record (acks=all)",
        ["request.required.acks"] = "the ingress answers 202 only after every in-sync replica has the record (acks=all)",
        ["enable.idempotence"] = "producer retries must not store a record twice",
    };

    private static readonly Dictionary<string, string> ReservedForConsumer = new(StringComparer.OrdinalIgnoreCase)
    {
        ["group.id"] = $"each trigger has its own group, {GroupPattern}",
        ["enable.auto.commit"] = "offsets are committed by the exporter after each event's final outcome (at-least-once)",
        ["enable.auto.offset.store"] = "offsets are stored only after each event's final outcome (at-least-once)",
        ["auto.commit.interval.ms"] = "the exporter commits stored offsets every 500 ms",
    };

    private readonly Dictionary<string, string> _common;
    private readonly Dictionary<string, string> _producer;
    private readonly Dictionary<string, string> _consumer;

    /// <summary>Validates the three sections of <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">A property is empty or one the exporter sets itself.</exception>
    public KafkaClientProperties(BrokerOptions options)
    {
        _common = Validated(Common, options.KafkaProperties, ReservedEverywhere, ReservedForProducer, ReservedForConsumer);
        _producer = Validated(Producer, options.KafkaProducerProperties, ReservedEverywhere, ReservedForProducer);
        _consumer = Validated(Consumer, options.KafkaConsumerProperties, ReservedEverywhere, ReservedForConsumer);
    }

    /// <summary><paramref name="defaults"/> with the common, then the producer properties over them.</summary>
    public ProducerConfig ForProducer(ProducerConfig defaults) => new(Merge(defaults, _common, _producer));

    /// <summary><paramref name="defaults"/> with the common, then the consumer properties over them.</summary>
    public ConsumerConfig ForConsumer(ConsumerConfig defaults) => new(Merge(defaults, _common, _consumer));

    /// <summary>
    /// A librdkafka refusal from a client builder (unknown property: <see cref="InvalidOperationException"/>;
    /// bad value: <see cref="ArgumentException"/>) as a startup error naming the section that holds the property.
    /// </summary>
    public InvalidOperationException Refused(Exception refusal, bool producer)
    {
        (
            string Name,
            Dictionary<string,
            string> Properties)[] sections = [(producer ? Producer : Consumer, producer ? _producer : _consumer), (Common, _common)];
        var reason = refusal.Message.Trim();

        // librdkafka quotes the property's name, or its canonical name for an alias (linger.ms is
        // queue.buffering.max.ms): the section holding it, else the one section that holds anything.
        var holding = sections.Where(s => s.Properties.Keys.Any(k => reason.Contains($"\"{k}\"", StringComparison.Ordinal))).ToList();
        if (holding.Count == 0)
        {
            holding = [.. sections.Where(s => s.Properties.Count > 0)];
        }

        var named = holding.Count == 0 ? sections : [.. holding];
        return new InvalidOperationException($"Invalid broker configuration: {string.Join(" or ", named.Select(s => s.Name))}: {reason}", refusal);
    }

    /// <summary>Whether <paramref name="exception"/> is how a Kafka client builder refuses its configuration.</summary>
    public static bool IsRefusal(Exception exception) => exception is ArgumentException or InvalidOperationException;

    private static Dictionary<string, string> Validated(
        string section,
        Dictionary<string,
        string> properties,
        params Dictionary<string,
        string>[] reserved)
    {
        foreach (var (name, value) in properties)
        {
            foreach (var set in reserved)
            {
                if (set.TryGetValue(name, out var why))
                {
                    throw new InvalidOperationException($"Invalid broker configuration: {section}:{name}: the exporter sets this property itself " +
                        $"({why}).");
                }
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidOperationException($"Invalid broker configuration: {section}:{name}: a value is required.");
            }
        }

        return new Dictionary<string, string>(properties, StringComparer.Ordinal);
    }

    private static Dictionary<string, string> Merge(IEnumerable<KeyValuePair<string, string>> defaults, params Dictionary<string, string>[] layers)
    {
        var merged = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            foreach (var (name, value) in layer)
            {
                merged[name] = value;
            }
        }

        return merged;
    }

    /// <summary>The consumer group of a trigger, with its parts as placeholders.</summary>
    private static string GroupPattern =>
        Knative.Eventing.Metrics.Kafka.KafkaNames.ConsumerGroup(new TriggerRef(new BrokerRef("{namespace}", "{broker}"), "{name}"), "{prefix}");
}
