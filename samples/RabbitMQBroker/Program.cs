// A minimal RabbitMQ broker implementer: publish with confirms, consume a trigger queue, record the uniform metrics.
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics;
using Knative.Eventing.Metrics.RabbitMQ;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using RabbitMQ.Client;

using var meterProvider = Sdk.CreateMeterProviderBuilder()
    .AddKnativeEventingInstrumentation()
    .AddPrometheusHttpListener() // http://localhost:9464/metrics
    .Build();
using var metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions { BrokerClass = "RabbitMQBroker" }, null);
using var rabbit = new RabbitMQInstrumentation();
await using var connection = await new ConnectionFactory { Uri = new Uri(args.FirstOrDefault() ?? "amqp://guest:guest@127.0.0.1:5672/") }.CreateConnectionAsync();

var broker = new BrokerRef("demo", "default", ingressDestination: RabbitMQNames.Exchange(new BrokerRef("demo", "default")));
var trigger = new TriggerRef(broker, "leaderboard");
await using (var setup = await connection.CreateChannelAsync())
{
    await setup.ExchangeDeclareAsync(RabbitMQNames.Exchange(broker), ExchangeType.Fanout, durable: true);
    await setup.QueueDeclareAsync(RabbitMQNames.Queue(trigger), durable: true, exclusive: false, autoDelete: false);
    await setup.QueueBindAsync(RabbitMQNames.Queue(trigger), RabbitMQNames.Exchange(broker), string.Empty);
}

// The same steps as the Kafka sample: create the publisher, start the trigger consumer, register its backlog, publish.
await using var publisher = await RabbitMQPublisher.CreateAsync(connection, broker, metrics, rabbit);
await using var consumer = await RabbitMQTriggerConsumer.StartAsync(connection, trigger, (delivery, ct) =>
{
    delivery.Scope.RecordFilterDecision(); // filter on delivery.Event here
    delivery.Scope.StartAttempt(DispatchTarget.Subscriber).Complete(200); // deliver to your subscriber here
    return Task.FromResult(DeliveryOutcome.Delivered);
}, metrics, rabbit);
using var backlog = RabbitMQTriggerBacklog.Register(metrics, connection, consumer, trigger);

var cloudEvent = new CloudEvent { Id = "1", Source = new Uri("/game/level/1", UriKind.Relative), Type = "dev.knative.game.score", DataContentType = "application/json", Data = System.Text.Json.JsonSerializer.SerializeToElement(new { score = 10 }) };
await publisher.PublishAsync(cloudEvent, null, CancellationToken.None);
Console.WriteLine("Published one event; metrics on http://localhost:9464/metrics. Press Enter to stop.");
Console.ReadLine();
