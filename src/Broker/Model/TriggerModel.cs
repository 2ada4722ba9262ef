namespace Knative.Eventing.Metrics.Broker.Model;

/// <summary>A trigger of the topology: resolved against its broker, validated and parsed once.</summary>
internal sealed record TriggerModel(
    TriggerRef Ref,
    Filtering.ITriggerFilter Filter,
    Uri Subscriber,
    int Retry,
    bool ExponentialBackoff,
    TimeSpan BackoffDelay,
    TimeSpan Timeout,
    Uri? DeadLetterSink,
    int Parallelism,
    bool SingleActiveConsumer = false,
    Kafka.KafkaDeliveryOrder DeliveryOrder = Kafka.KafkaDeliveryOrder.Unordered);
