using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Kafka;
using Knative.Eventing.Metrics.RabbitMQ;

namespace Knative.Eventing.Metrics.Broker.Backends;

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

    /// <summary>The backend <paramref name="options"/> name, with its clients built but not connected.</summary>
    /// <param name="options">The broker settings (validated).</param>
    /// <param name="metrics">The metric contract the backend records to.</param>
    /// <param name="rabbitMQ">The RabbitMQ adapter's instrumentation, asked for only on the RabbitMQ backend.</param>
    /// <param name="kafka">The Kafka adapter's instrumentation, asked for only on the Kafka backend.</param>
    /// <param name="loggers">Where the backend logs.</param>
    public static IEventBackend Create(
        BrokerOptions options,
        KnativeEventingMetrics metrics,
        Func<RabbitMQInstrumentation> rabbitMQ,
        Func<KafkaInstrumentation> kafka,
        ILoggerFactory loggers) => BrokerClass(options.Backend) switch
        {
            "RabbitMQBroker" => new RabbitMQBackend(
                RabbitMQNodes.Parse(options.RabbitMQ),
                RabbitMQQueueType.Parse(options.RabbitMQQueueType),
                options.ResourcePrefix,
                metrics,
                rabbitMQ(),
                loggers),
            "Kafka" => new KafkaBackend(
                options.Kafka,
                string.IsNullOrWhiteSpace(options.LibrdkafkaPath) ? null : options.LibrdkafkaPath,
                new KafkaClientProperties(options),
                options.ResourcePrefix,
                metrics,
                kafka(),
                loggers),
            _ => new EmbeddedBackend(metrics, options.QueueCapacity),
        };
}
