using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Broker.Filtering;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// A Trigger: <c>spec.broker</c>, its filter (<c>spec.filters</c>, or the older <c>spec.filter</c>), the
/// subscriber, <c>spec.delivery</c> (or its broker's), and the RabbitMQ and Kafka annotations the exporter
/// honours.
/// </summary>
internal static class TriggerManifest
{
    public static TriggerDeclaration Read(
        ManifestNode root,
        string name,
        string ns,
        IReadOnlyDictionary<string,
        string> annotations,
        string brokerClass,
        DestinationResolver resolver,
        Dictionary<(string, string),
        DeliveryPolicy?> deliveries)
    {
        var (parallelism, order) = Annotations(root, annotations, brokerClass);
        var spec = root.Mapping("spec") ?? throw root.Error("spec", "is required");
        root.RejectUnknown("apiVersion, kind, metadata, spec");
        if (spec.Mapping("brokerRef") is not null)
        {
            throw spec.Error("brokerRef", "is not supported (cross-namespace brokers): use spec.broker");
        }

        var broker = spec.RequiredString("broker");
        // Both are validated as Knative's webhook does; the broker applies a non-empty spec.filters and then ignores
        // spec.filter (knative/eventing pkg/broker/filter/filter_handler.go:626-640), and so does the exporter.
        var attributes = spec.Mapping("filter") is { } filter ? FilterManifest.Attributes(filter) : null;
        var filters = FilterManifest.List(spec, "filters");
        ITriggerFilter compiled;
        if (filters is not null)
        {
            if (attributes is not null)
            {
                spec.Warn("filter", "is ignored, as Knative ignores it when spec.filters is set");
            }

            compiled = filters;
        }
        else
        {
            compiled = attributes ?? CombinedFilter.All([]);
        }

        var subscriber = resolver.Resolve(spec.Mapping("subscriber") ?? throw spec.Error("subscriber", "is required"), ns);
        var delivery = spec.Mapping("delivery") is { } d
            ? DeliveryManifest.Read(d, resolver, ns)
            : deliveries.GetValueOrDefault((ns, broker)) ?? DeliveryPolicy.Default;
        spec.RejectUnknown("broker, filter, filters, subscriber, delivery");
        return new TriggerDeclaration(
            ns,
            broker,
            name,
            compiled,
            subscriber,
            delivery,
            parallelism,
            SingleActiveConsumer: false,
            new Declared(root.Where, InManifest: true)) { DeliveryOrder = order };
    }

    /// <summary>Whether an annotation belongs to Knative or its brokers (and so may change behaviour).</summary>
    public static bool IsKnativeAnnotation(string key) => key.Split('/')[0] is var domain && (domain == "knative.dev" || domain.EndsWith(
        ".knative.dev",
        StringComparison.Ordinal));

    private static (int? Parallelism, Kafka.KafkaDeliveryOrder? Order) Annotations(
        ManifestNode root,
        IReadOnlyDictionary<string, string> annotations,
        string brokerClass)
    {
        int? parallelism = null;
        Kafka.KafkaDeliveryOrder? order = null;
        foreach (var (key, value) in annotations)
        {
            var field = $"metadata.annotations.{key}";
            switch (key)
            {
                case KnativeManifests.ParallelismAnnotation when brokerClass == "Kafka":
                    throw root.Error(
                        field,
                        $"is RabbitMQ's; on Kafka a trigger's concurrency is {KnativeManifests.DeliveryOrderAnnotation} " +
                            "with Broker:KafkaMaxInFlight");
                case KnativeManifests.ParallelismAnnotation:
                    parallelism = int.TryParse(
                        value,
                        out var p) && p is >= 1 and <= 1000 ? p : throw root.Error(field, $"must be a whole number from 1 to 1000 (was '{value}')");
                    break;
                case KnativeManifests.DeliveryOrderAnnotation when brokerClass != "Kafka":
                    throw root.Error(field, $"only the Kafka backend has a delivery order (the exporter runs {brokerClass})");
                case KnativeManifests.DeliveryOrderAnnotation:
                    order = KafkaDeliveryOrders.Parse(value) ?? throw root.Error(field, KafkaDeliveryOrders.Expected(value));
                    break;
                case KnativeManifests.DependencyAnnotation:
                    break;
                default:
                    if (IsKnativeAnnotation(key))
                    {
                        throw root.Error(field, "is not supported by the exporter");
                    }

                    break; // other domains' annotations (kubectl, tooling) do not change delivery
            }
        }

        return (parallelism, order);
    }
}
