using System.Text;
using RabbitMQ.Client;

namespace Knative.Eventing.Metrics.RabbitMQ.Tests;

/// <summary>
/// One test's world on the shared server: a recovering connection, a durable exchange and trigger
/// queues with unique names, the uniform and RabbitMQ instruments, and an OpenTelemetry capture.
/// </summary>
internal sealed class RabbitMQTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private RabbitMQTestBed(RabbitMQFixture fixture, IConnection connection, string prefix)
    {
        Fixture = fixture;
        Connection = connection;
        Exchange = $"{prefix}.exchange";
        Broker = new BrokerRef("demo", prefix, Exchange);
    }

    public RabbitMQFixture Fixture { get; }

    public IConnection Connection { get; }

    public string Exchange { get; }

    public BrokerRef Broker { get; }

    public MetricCapture Capture { get; } = new();

    public KnativeEventingMetrics Metrics { get; } = new(new KnativeEventingMetricsOptions { BrokerClass = "RabbitMQBroker", BacklogRefreshInterval = TimeSpan.FromHours(1) }, null);

    public RabbitMQInstrumentation Instrumentation { get; } = new();

    public static async Task<RabbitMQTestBed> CreateAsync(RabbitMQFixture fixture, string exchangeType = ExchangeType.Fanout)
    {
        var factory = new ConnectionFactory
        {
            Uri = fixture.AmqpUri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromMilliseconds(500),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        var connection = await factory.CreateConnectionAsync();
        var bed = new RabbitMQTestBed(fixture, connection, $"kem{Guid.NewGuid():N}"[..16]);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(bed.Exchange, exchangeType, durable: true, autoDelete: false);
        return bed;
    }

    /// <summary>Declares a durable trigger queue bound to the exchange (all messages, or one routing key).</summary>
    public async Task<(TriggerRef Trigger, string Queue)> DeclareTriggerAsync(string name, IDictionary<string, object?>? arguments = null, string routingKey = "#")
    {
        var queue = $"{Exchange}.{name}";
        await using var channel = await Connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments);
        await channel.QueueBindAsync(queue, Exchange, routingKey);
        return (new TriggerRef(Broker, name), queue);
    }

    public async Task<RabbitMQPublisher> PublisherAsync(RabbitMQPublisherOptions? options = null)
    {
        options ??= new RabbitMQPublisherOptions();
        options.Exchange ??= Exchange;
        var publisher = await RabbitMQPublisher.CreateAsync(Connection, Broker, Metrics, Instrumentation, options);
        _owned.Add(publisher);
        return publisher;
    }

    public async Task<RabbitMQTriggerConsumer> ConsumerAsync(
        TriggerRef trigger, string queue, Func<RabbitMQDelivery, CancellationToken, Task<DeliveryOutcome>> handler, ushort parallelism = 10, RabbitMQConsumerOptions? options = null)
    {
        options ??= new RabbitMQConsumerOptions();
        options.Queue = queue;
        options.Parallelism = parallelism;
        var consumer = await RabbitMQTriggerConsumer.StartAsync(Connection, trigger, handler, Metrics, Instrumentation, options);
        _owned.Insert(0, consumer);
        return consumer;
    }

    /// <summary>A CloudEvent in AMQP binary mode: attributes as <c>cloudEvents:</c> application properties, persistent.</summary>
    public static (BasicProperties Properties, byte[] Body) CloudEvent(int id, string type = "dev.knative.game.score")
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            Headers = new Dictionary<string, object?>
            {
                ["cloudEvents:specversion"] = "1.0",
                ["cloudEvents:id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["cloudEvents:source"] = "/game/level/1",
                ["cloudEvents:type"] = type,
                ["cloudEvents:knativearrivaltime"] = DateTimeOffset.UtcNow.ToString("O"),
            },
        };
        return (properties, Encoding.UTF8.GetBytes($"{{\"id\":{id},\"score\":10}}"));
    }

    public static int IdOf(RabbitMQDelivery delivery) => int.Parse(
        Encoding.UTF8.GetString((byte[])delivery.Message.BasicProperties.Headers!["cloudEvents:id"]!),
        System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Connection.CloseAsync();
        Connection.Dispose();
        Metrics.Dispose();
        Instrumentation.Dispose();
        Capture.Dispose();
    }
}
