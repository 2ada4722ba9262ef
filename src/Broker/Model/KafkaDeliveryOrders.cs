using Knative.Eventing.Metrics.Kafka;

namespace Knative.Eventing.Metrics.Broker.Model;

/// <summary>
/// The values of eventing-kafka-broker's <c>kafka.eventing.knative.dev/delivery.order</c> annotation, read the same from
/// manifests and settings as upstream reads them: case-insensitive, unordered when absent, any other value refused
/// (knative-extensions/eventing-kafka-broker 7d8fe89, control-plane/pkg/reconciler/trigger/trigger.go:361-367, 464-472).
/// </summary>
internal static class KafkaDeliveryOrders
{
    /// <summary><c>ordered</c> or <c>unordered</c> in any case; null for anything else.</summary>
    public static KafkaDeliveryOrder? Parse(string value) => value.ToLowerInvariant() switch
    {
        "ordered" => KafkaDeliveryOrder.Ordered,
        "unordered" => KafkaDeliveryOrder.Unordered,
        _ => null,
    };

    /// <summary>The error text for a value <see cref="Parse"/> refused.</summary>
    public static string Expected(string value) => $"must be 'unordered' (the default) or 'ordered' (was '{value}')";
}
