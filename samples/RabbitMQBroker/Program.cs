// A minimal RabbitMQ broker implementer: publish with confirms, consume a trigger queue, record the uniform metrics.
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

var broker = new BrokerRef("demo", "default", ingressDestination: "demo.default");
var trigger = new TriggerRef(broker, "leaderboard");
await using (var setup = await connection.CreateChannelAsync())
{
    await setup.ExchangeDeclareAsync("demo.default", ExchangeType.Fanout, durable: true);
    await setup.QueueDeclareAsync("demo.default.leaderboard", durable: true, exclusive: false, autoDelete: false);
    await setup.QueueBindAsync("demo.default.leaderboard", "demo.default", string.Empty);
}

await using var publisher = await RabbitMQPublisher.CreateAsync(connection, broker, "demo.default", metrics, rabbit, null, CancellationToken.None);
await using var consumer = await RabbitMQTriggerConsumer.StartAsync(connection, trigger, "demo.default.leaderboard", (delivery, ct) =>
{
    delivery.Scope.RecordFilterDecision();
    delivery.Scope.StartAttempt(DispatchTarget.Subscriber).Complete(200); // deliver to your subscriber here
    return Task.FromResult(DeliveryOutcome.Delivered);
}, metrics, rabbit, null, null, CancellationToken.None);
using var backlog = RabbitMQTriggerBacklog.Register(metrics, connection, consumer, trigger);

var properties = new BasicProperties { Persistent = true, Headers = new Dictionary<string, object?> { ["cloudEvents:type"] = "dev.knative.game.score" } };
await publisher.PublishAsync(string.Empty, properties, "{\"score\":10}"u8.ToArray(), "dev.knative.game.score", null, CancellationToken.None);
Console.WriteLine("Published one event; metrics on http://localhost:9464/metrics. Press Enter to stop.");
Console.ReadLine();
