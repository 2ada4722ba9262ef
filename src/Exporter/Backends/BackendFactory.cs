using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Kafka;
using Knative.Eventing.Metrics.RabbitMQ;

namespace Knative.Eventing.Metrics.Exporter.Backends;

/// <summary>Builds the configured backend (not started; the broker service starts it).</summary>
internal static class BackendFactory
{
    /// <summary>The backend names <c>Broker:Backend</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["Embedded", "RabbitMQ", "Kafka"];

    /// <summary>Knative's broker class for a backend name (the meter tag <c>kn.broker.class</c>).</summary>
    public static string BrokerClass(string? backend) => (backend ?? "Embedded").ToLowerInvariant() switch
    {
        "rabbitmq" or "rabbitmqbroker" => "RabbitMQBroker",
        "kafka" => "Kafka",
        _ => "Embedded",
    };

    public static IEventBackend Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerOptions>>().Value;
        var metrics = services.GetRequiredService<KnativeEventingMetrics>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        return BrokerClass(options.Backend) switch
        {
            "RabbitMQBroker" => new RabbitMQBackend(RabbitMQNodes.Parse(options.RabbitMQ), RabbitMQQueueType.Parse(options.RabbitMQQueueType), options.ResourcePrefix, metrics, services.GetRequiredService<RabbitMQInstrumentation>(), loggers),
            "Kafka" => new KafkaBackend(options.Kafka, string.IsNullOrWhiteSpace(options.LibrdkafkaPath) ? null : options.LibrdkafkaPath, new KafkaClientProperties(options), options.ResourcePrefix, metrics, services.GetRequiredService<KafkaInstrumentation>(), loggers),
            _ => new EmbeddedBackend(metrics, options.QueueCapacity),
        };
    }
}
