// A minimal Kafka broker implementer: produce with delivery reports, consume as a trigger group, record the uniform metrics.
using CloudNative.CloudEvents;
using Confluent.Kafka;
using Knative.Eventing.Metrics;
using Knative.Eventing.Metrics.Kafka;
using OpenTelemetry;
using OpenTelemetry.Metrics;

using var meterProvider = Sdk.CreateMeterProviderBuilder()
    .AddKnativeEventingInstrumentation()
    .AddPrometheusHttpListener() // http://localhost:9464/metrics
    .Build();
using var metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions { BrokerClass = "Kafka" }, null);
using var kafka = new KafkaInstrumentation();
var bootstrap = args.FirstOrDefault() ?? "127.0.0.1:9092";

var broker = new BrokerRef("demo", "default", ingressDestination: KafkaNames.Topic(new BrokerRef("demo", "default")));
var trigger = new TriggerRef(broker, "leaderboard");
KafkaNativeLibrary.EnsureLoaded(); // before any Kafka client: the librdkafka Confluent.Kafka ships, not the machine's
using var confluent = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All }).Build();

// The same steps as the RabbitMQ sample: create the publisher, start the trigger consumer, register its backlog, publish.
var publisher = await KafkaProducer.CreateAsync(confluent, broker, metrics, kafka);
await using var consumer = await KafkaTriggerConsumer.StartAsync(new ConsumerConfig { BootstrapServers = bootstrap }, trigger, (delivery, ct) =>
{
    delivery.Scope.RecordFilterDecision(); // filter on delivery.Event here
    delivery.Scope.StartAttempt(DispatchTarget.Subscriber).Complete(200); // deliver to your subscriber here
    return Task.FromResult(DeliveryOutcome.Delivered);
}, metrics, kafka);
using var backlog = KafkaTriggerBacklog.Register(metrics, new ClientConfig { BootstrapServers = bootstrap }, consumer.Topic, consumer.GroupId, trigger, TimeSpan.FromSeconds(5));

var cloudEvent = new CloudEvent { Id = "1", Source = new Uri("/game/level/1", UriKind.Relative), Type = "dev.knative.game.score", DataContentType = "application/json", Data = System.Text.Json.JsonSerializer.SerializeToElement(new { score = 10 }) };
await publisher.PublishAsync(cloudEvent, null, CancellationToken.None);
Console.WriteLine("Published one event; metrics on http://localhost:9464/metrics. Press Enter to stop.");
Console.ReadLine();
