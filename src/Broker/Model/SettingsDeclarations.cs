using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.CloudEvents;

namespace Knative.Eventing.Metrics.Broker.Model;

/// <summary>
/// The brokers and triggers of the settings (<c>Broker:Brokers</c>, <c>Broker:Triggers</c>), each field checked
/// and parsed once; errors name the setting (<c>Broker:Triggers:0:Delivery:Retry</c>).
/// </summary>
internal static class SettingsDeclarations
{
    private const string Root = BrokerOptions.SectionName;

    public static IEnumerable<BrokerDeclaration> Brokers(BrokerOptions options) =>
        options.Brokers.Select((b, i) => new BrokerDeclaration(b.Namespace, b.Name, new Declared($"{Root}:Brokers:{i}", InManifest: false)));

    /// <exception cref="InvalidOperationException">A field is invalid (the message names the setting).</exception>
    public static IEnumerable<TriggerDeclaration> Triggers(BrokerOptions options)
    {
        for (var i = 0; i < options.Triggers.Count; i++)
        {
            var t = options.Triggers[i];
            var path = $"{Root}:Triggers:{i}";
            foreach (var (kind, map) in new[] { ("Attributes", t.Filter.Attributes), ("Prefix", t.Filter.Prefix), ("Suffix", t.Filter.Suffix) })
            {
                foreach (var attribute in map.Keys.Where(a => !CloudEventValidator.IsValidAttributeName(a)))
                {
                    throw Topology.Invalid($"{path}:Filter:{kind}:{attribute}", "attribute names are lower-case letters and digits");
                }
            }

            if (t.Parallelism is < 1 or > 1000)
            {
                throw Topology.Invalid($"{path}:Parallelism", $"must be 1 to 1000 (was {t.Parallelism})");
            }

            yield return new TriggerDeclaration(
                t.Namespace,
                t.Broker,
                t.Name,
                Filter(t.Filter),
                Destination(t.Subscriber, $"{path}:Subscriber") ?? throw Topology.Invalid($"{path}:Subscriber", "a subscriber URI is required"),
                Delivery(t.Delivery, $"{path}:Delivery"),
                t.Parallelism,
                t.SingleActiveConsumer,
                new Declared(path, InManifest: false))
            {
                DeliveryOrder = t.DeliveryOrder is not { } order
                    ? null
                    : KafkaDeliveryOrders.Parse(order) ?? throw Topology.Invalid($"{path}:DeliveryOrder", KafkaDeliveryOrders.Expected(order)),
            };
        }
    }

    /// <summary>
    /// <c>Attributes</c> with Knative's <c>spec.filter.attributes</c> semantics (an empty value is "any value"), and
    /// all of <c>Prefix</c> and <c>Suffix</c> (as the prefix and suffix dialects of <c>spec.filters</c>).
    /// </summary>
    private static ITriggerFilter Filter(FilterDefinition filter)
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

    private static DeliveryPolicy Delivery(DeliveryDefinition delivery, string path)
    {
        if (delivery.Retry is < 0 or > DeliveryPolicy.MaxRetry)
        {
            throw Topology.Invalid($"{path}:Retry", $"must be 0 to {DeliveryPolicy.MaxRetry} (was {delivery.Retry})");
        }

        var policy = delivery.BackoffPolicy.ToLowerInvariant();
        if (policy is not ("linear" or "exponential"))
        {
            throw Topology.Invalid($"{path}:BackoffPolicy", $"must be linear or exponential (was '{delivery.BackoffPolicy}')");
        }

        return new DeliveryPolicy(
            delivery.Retry,
            policy == "exponential",
            Topology.Duration(delivery.BackoffDelay, $"{path}:BackoffDelay"),
            Topology.Duration(delivery.Timeout, $"{path}:Timeout"),
            Destination(delivery.DeadLetterSink, $"{path}:DeadLetterSink"));
    }

    private static Uri? Destination(string? value, string path)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "inproc"
            ? uri
            : throw Topology.Invalid(path, $"'{value}' is not an http(s):// or inproc:// URI");
    }
}
