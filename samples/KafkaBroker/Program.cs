// A minimal Kafka broker implementer: produce with delivery reports, consume as a trigger group, record the uniform metrics.
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
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

var broker = new BrokerRef("demo", "default", ingressDestination: "knative-broker-demo-default");
var trigger = new TriggerRef(broker, "leaderboard");
var topic = KafkaNames.Topic(broker);
KafkaNativeLibrary.EnsureLoaded(); // before any Kafka client: the librdkafka Confluent.Kafka ships, not the machine's
using var confluent = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All }).Build();
var producer = new KafkaProducer(confluent, broker, topic, metrics, kafka, null);
await using var consumer = KafkaTriggerConsumer.Start(new ConsumerConfig { BootstrapServers = bootstrap }, trigger, topic, (delivery, ct) =>
{
    delivery.Scope.RecordFilterDecision();
    delivery.Scope.StartAttempt(DispatchTarget.Subscriber).Complete(200); // deliver to your subscriber here
    return Task.FromResult(DeliveryOutcome.Delivered);
}, metrics, kafka, null, null);
using var backlog = KafkaTriggerBacklog.Register(metrics, new ClientConfig { BootstrapServers = bootstrap }, topic, consumer.GroupId, trigger, TimeSpan.FromSeconds(5));

var cloudEvent = new CloudEvent { Id = "1", Source = new Uri("/game/level/1", UriKind.Relative), Type = "dev.knative.game.score", DataContentType = "application/json", Data = System.Text.Json.JsonSerializer.SerializeToElement(new { score = 10 }) };
await producer.ProduceAsync(KafkaCloudEventBinding.Encode(cloudEvent, ContentMode.Binary, new JsonEventFormatter()), cloudEvent.Type, null, CancellationToken.None);
Console.WriteLine("Produced one event; metrics on http://localhost:9464/metrics. Press Enter to stop.");
Console.ReadLine();
