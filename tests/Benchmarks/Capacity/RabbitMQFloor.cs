using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The RabbitMQ backend's floor: the same broker work with the raw client and nothing else. A fanout
/// exchange and one queue per trigger (5, of the exporter's default type, quorum), persistent messages with
/// the event's attributes as headers, each publish awaited until confirmed (as the ingress answers 202 only
/// then), and per queue a consumer with the exporter's prefetch and handler concurrency (10) that acks each
/// message. For a workload with replies, the third queue's consumer publishes one reply (confirmed) before
/// its ack, as level-stats' reply is re-ingested before the event is acknowledged.
/// </summary>
internal sealed class RabbitMQFloor : ICapacityTarget
{
    private const int Prefetch = 10;
    private readonly IConnection _publishing;
    private readonly IConnection _consuming;
    private readonly IChannel _publisher;
    private readonly List<IChannel> _consumers = [];
    private readonly Workload _workload;
    private readonly string _exchange;
    private long _sequence;
    private long _published;
    private long _consumed;

    private RabbitMQFloor(IConnection publishing, IConnection consuming, IChannel publisher, Workload workload, string exchange)
    {
        _publishing = publishing;
        _consuming = consuming;
        _publisher = publisher;
        _workload = workload;
        _exchange = exchange;
    }

    /// <summary>Declares the exchange and queues (named for this run) and starts the consumers.</summary>
    public static async Task<RabbitMQFloor> StartAsync(Uri amqp, Workload workload)
    {
        var factory = new ConnectionFactory { Uri = amqp };
        var publishing = await factory.CreateConnectionAsync("capacity floor (publish)");
        var consuming = await factory.CreateConnectionAsync("capacity floor (consume)");
        var publisher = await publishing.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var exchange = $"capacity-floor-{Guid.NewGuid():N}"[..24];
        await publisher.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var floor = new RabbitMQFloor(publishing, consuming, publisher, workload, exchange);
        for (var i = 0; i < Workload.Triggers; i++)
        {
            var queue = $"{exchange}.{i}";
            await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            await publisher.QueueBindAsync(queue, exchange, string.Empty);
            await floor.ConsumeAsync(queue, replies: i == 2 && workload.OutcomesPerEvent > Workload.Triggers);
        }

        return floor;
    }

    public int ProcessId => 0;

    public long NextSequence(long count) => Interlocked.Add(ref _sequence, count) - count;

    public async ValueTask<string?> SendAsync(long n, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            Headers = new Dictionary<string, object?>
            {
                ["cloudEvents_specversion"] = "1.0",
                ["cloudEvents_id"] = Workload.Id(n),
                ["cloudEvents_source"] = _workload.Source(n),
                ["cloudEvents_type"] = _workload.Type,
                ["cloudEvents_knativearrivaltime"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        try
        {
            await _publisher.BasicPublishAsync(_exchange, string.Empty, mandatory: true, properties, _workload.Data(n), cancellationToken);
            Interlocked.Increment(ref _published);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ex.GetType().Name;
        }
    }

    public Task<TimeSpan?> SettleAsync(TimeSpan limit) =>
        FloorSettle.UntilAsync(() => Interlocked.Read(ref _consumed), Interlocked.Read(ref _published) * _workload.OutcomesPerEvent, limit);

    private async Task ConsumeAsync(string queue, bool replies)
    {
        var channel = await _consuming.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: Prefetch));
        await channel.BasicQosAsync(0, Prefetch, global: false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            if (replies && delivery.BasicProperties.Headers?.ContainsKey("reply") != true)
            {
                var reply = new BasicProperties { Persistent = true, ContentType = "application/json", Headers = new Dictionary<string, object?>(delivery.BasicProperties.Headers!) { ["reply"] = "1" } };
                await _publisher.BasicPublishAsync(_exchange, string.Empty, mandatory: true, reply, delivery.Body);
            }

            Interlocked.Increment(ref _consumed);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        _consumers.Add(channel);
    }

    public async ValueTask DisposeAsync()
    {
        await _publisher.ExchangeDeleteAsync(_exchange);
        for (var i = 0; i < Workload.Triggers; i++)
        {
            await _publisher.QueueDeleteAsync($"{_exchange}.{i}");
        }

        foreach (var channel in _consumers)
        {
            await channel.CloseAsync();
        }

        await _publisher.CloseAsync();
        await _consuming.CloseAsync();
        await _publishing.CloseAsync();
    }
}
