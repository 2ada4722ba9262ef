using System.Collections.Concurrent;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka.Tests;

/// <summary>One test's world on the shared endpoint: a fresh broker and topic, instruments, a capture, clients it disposes.</summary>
internal sealed class KafkaTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _consumers = [];
    private readonly List<IDisposable> _disposables = [];

    private KafkaTestBed(KafkaFixture fixture, string suffix)
    {
        Fixture = fixture;
        Broker = new BrokerRef("demo", $"b{suffix}");
        Topic = KafkaNames.Topic(Broker);
        Broker = new BrokerRef("demo", $"b{suffix}", Topic);
        Producer = new ProducerBuilder<byte[]?, byte[]?>(ProducerConfig()).Build();
        _disposables.Add(Producer);
        Knative = KafkaProducer.CreateAsync(Producer, Broker, Metrics, Instrumentation).GetAwaiter().GetResult(); // completes at once
    }

    public KafkaFixture Fixture { get; }

    public BrokerRef Broker { get; }

    public string Topic { get; }

    public MetricCapture Capture { get; } = new();

    public KnativeEventingMetrics Metrics { get; } = new(new KnativeEventingMetricsOptions { BrokerClass = "Kafka", BacklogRefreshInterval = TimeSpan.FromHours(1), BacklogProbeTimeout = TimeSpan.FromSeconds(20) }, null);

    public KafkaInstrumentation Instrumentation { get; } = new();

    public IProducer<byte[]?, byte[]?> Producer { get; }

    public KafkaProducer Knative { get; }

    public static async Task<KafkaTestBed> CreateAsync(KafkaFixture fixture, int partitions)
    {
        var bed = new KafkaTestBed(fixture, Guid.NewGuid().ToString("N")[..10]);
        await fixture.CreateTopicAsync(bed.Topic, partitions);
        return bed;
    }

    public ProducerConfig ProducerConfig(int messageTimeoutMs = 30_000) => new()
    {
        BootstrapServers = Fixture.BootstrapServers,
        Acks = Acks.All,
        LingerMs = 5,
        MessageTimeoutMs = messageTimeoutMs,
    };

    public ConsumerConfig ConsumerConfig() => new() { BootstrapServers = Fixture.BootstrapServers, SessionTimeoutMs = 6000 };

    public KafkaTriggerConsumer Consumer(
        TriggerRef trigger,
        Func<KafkaDelivery, CancellationToken, Task<DeliveryOutcome>> handler,
        KafkaConsumerOptions? options = null,
        Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        options ??= new KafkaConsumerOptions { CommitInterval = TimeSpan.FromMilliseconds(200) };
        options.Topic ??= Topic;
        var consumer = KafkaTriggerConsumer.StartAsync(ConsumerConfig(), trigger, handler, Metrics, Instrumentation, options, logger)
            .GetAwaiter().GetResult(); // completes at once
        _consumers.Insert(0, consumer);
        return consumer;
    }

    public static CloudEvent Event(int id, string type = "dev.knative.game.score") => new(CloudEventsSpecVersion.V1_0)
    {
        Id = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Source = new Uri("/game/level/1", UriKind.Relative),
        Type = type,
        DataContentType = "application/json",
        Data = System.Text.Json.JsonSerializer.SerializeToElement(new { player = $"p{id % 7}", score = id % 100 }),
        ["partitionkey"] = $"session-{id % 97}",
        ["knativearrivaltime"] = DateTimeOffset.UtcNow.ToString("O"),
    };

    public Task<TopicPartitionOffset> ProduceAsync(int id) =>
        Knative.PublishAsync(Event(id), null, CancellationToken.None);

    /// <summary>Produces event <paramref name="id"/> to one partition (binary mode), for tests that need to know where a record is.</summary>
    public async Task<TopicPartitionOffset> ProduceToAsync(int partition, int id)
    {
        var message = KafkaCloudEventBinding.Encode(Event(id), ContentMode.Binary, new JsonEventFormatter());
        var result = await Producer.ProduceAsync(new TopicPartition(Topic, partition), message);
        return result.TopicPartitionOffset;
    }

    /// <summary>A handler that records each delivered id and completes when <paramref name="expected"/> distinct ids arrived.</summary>
    public static (Func<KafkaDelivery, CancellationToken, Task<DeliveryOutcome>> Handler, ConcurrentDictionary<string, int> Seen, Task AllSeen) CountingHandler(int expected)
    {
        var seen = new ConcurrentDictionary<string, int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return ((delivery, ct) =>
        {
            delivery.Scope.RecordFilterDecision();
            delivery.Scope.StartAttempt(DispatchTarget.Subscriber).Complete(200);
            seen.AddOrUpdate(delivery.Event.Id!, 1, (_, n) => n + 1);
            if (seen.Count >= expected)
            {
                done.TrySetResult();
            }

            return Task.FromResult(DeliveryOutcome.Delivered);
        }, seen, done.Task);
    }

    /// <summary>Polls Kafka's own view until <paramref name="condition"/> holds (commits are asynchronous) or the deadline passes.</summary>
    public Task<(long HighWatermarks, long Committed)> WaitForOffsetsAsync(string? group, Func<(long HighWatermarks, long Committed), bool> condition) =>
        Poll.UntilAsync(() => Task.FromResult(Fixture.Offsets(Topic, group)), condition, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));

    public async ValueTask DisposeAsync()
    {
        foreach (var consumer in _consumers)
        {
            await consumer.DisposeAsync();
        }

        Producer.Flush(TimeSpan.FromSeconds(5));
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        Metrics.Dispose();
        Instrumentation.Dispose();
        Capture.Dispose();
    }
}
