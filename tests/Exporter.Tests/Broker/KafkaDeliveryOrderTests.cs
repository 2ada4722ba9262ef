using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// A Kafka trigger's delivery order from its manifest annotation, as eventing-kafka-broker's
/// (<c>kafka.eventing.knative.dev/delivery.order</c>), seen by a real HTTP subscriber that takes 100 ms per event.
/// </summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaDeliveryOrderTests(KafkaFixture fixture) : IDisposable
{
    private const int Partitions = 6;
    private readonly string _prefix = $"kem{Guid.NewGuid():N}"[..12];
    private readonly string _folder = Directory.CreateTempSubdirectory("kem-order-").FullName;

    [Fact]
    public async Task Without_the_annotation_a_slow_subscriber_gets_max_in_flight_events_at_once()
    {
        const int Events = 150;
        await using var subscriber = await SlowSubscriber.StartAsync();
        await using var exporter = await StartAsync(subscriber, annotation: null, "--Broker:KafkaMaxInFlight", "30");

        await PostBatchAsync(exporter, Events, keys: 12);
        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "slow")) == Events, TimeSpan.FromSeconds(60));

        Assert.Equal(Events, subscriber.Received);
        Assert.Equal(30, subscriber.MaxConcurrent);
        Assert.True(subscriber.MaxConcurrentPerKey > 1, "unordered delivered one event per key at a time");
        Assert.Equal(Events, scrape.Value("kn_eventing_deliveries_total", ("kn_trigger_name", "slow"), ("kn_delivery_outcome", "delivered")));
        Assert.Equal(0, scrape.Value("kafka_consumer_in_flight", ("messaging_consumer_group_name", $"{_prefix}-trigger-demo-slow")));
    }

    [Fact]
    public async Task Ordered_gives_one_event_per_partition_at_a_time_in_order_and_the_partitions_in_parallel()
    {
        const int Events = 120;
        await using var subscriber = await SlowSubscriber.StartAsync();
        await using var exporter = await StartAsync(subscriber, "kafka.eventing.knative.dev/delivery.order: ordered");

        await PostBatchAsync(exporter, Events, keys: 12);
        await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "slow")) == Events, TimeSpan.FromSeconds(60));

        Assert.Equal(Events, subscriber.Received);
        Assert.Equal(1, subscriber.MaxConcurrentPerKey);
        Assert.InRange(subscriber.MaxConcurrent, 2, Partitions);
        foreach (var (key, sequence) in subscriber.SequencesByKey)
        {
            Assert.True(sequence.SequenceEqual(sequence.Order()), $"{key} out of order: {string.Join(',', sequence)}");
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<RunningExporter> StartAsync(SlowSubscriber subscriber, string? annotation, params string[] extra)
    {
        fixture.RequireMock().CreateTopic($"{_prefix}-broker-demo-default", Partitions, replicationFactor: 1);
        var manifest = Path.Combine(_folder, "trigger.yaml");
        await File.WriteAllTextAsync(manifest, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata:
              name: default
              namespace: demo
              annotations:
                eventing.knative.dev/broker.class: Kafka
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: slow
              namespace: demo
              annotations:
                {annotation ?? "example.com/owner: tests"}
            spec:
              broker: default
              subscriber:
                uri: {subscriber.Url}
            """);
        return await RunningExporter.StartAsync(
        [
            "--no-game", "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", _prefix, "--manifests", manifest, .. extra,
        ]);
    }

    /// <summary>One batch request: every event is in Kafka before the first delivery can end. Event <c>e{n}</c> has key <c>k{n % keys}</c>.</summary>
    private static async Task PostBatchAsync(RunningExporter exporter, int events, int keys)
    {
        var batch = Enumerable.Range(0, events).Select(n => new Dictionary<string, object>
        {
            ["specversion"] = "1.0",
            ["id"] = $"e{n}",
            ["source"] = "/tests/order",
            ["type"] = "dev.knative.tests.order",
            ["partitionkey"] = $"k{n % keys}",
            ["data"] = new { n },
        });
        using var content = new StringContent(JsonSerializer.Serialize(batch), Encoding.UTF8, "application/cloudevents-batch+json");
        using var response = await exporter.Http.PostAsync($"{exporter.IngressUrl}/demo/default", content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>A real HTTP subscriber on 127.0.0.1 that takes 100 ms per event and counts how many it holds at once, overall and per key.</summary>
    private sealed class SlowSubscriber : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, int> _perKey = new();
        private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _sequences = new();
        private int _current;
        private int _max;
        private int _maxPerKey;
        private int _received;

        private SlowSubscriber(WebApplication app) => _app = app;

        public string Url => _app.Urls.Single();

        public int Received => Volatile.Read(ref _received);

        public int MaxConcurrent => Volatile.Read(ref _max);

        public int MaxConcurrentPerKey => Volatile.Read(ref _maxPerKey);

        public IReadOnlyDictionary<string, int[]> SequencesByKey => _sequences.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

        public static async Task<SlowSubscriber> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var subscriber = new SlowSubscriber(app);
            app.Run(subscriber.HandleAsync);
            await app.StartAsync();
            return subscriber;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task HandleAsync(HttpContext context)
        {
            var key = context.Request.Headers["ce-partitionkey"].ToString();
            var sequence = int.Parse(context.Request.Headers["ce-id"].ToString().AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            _sequences.GetOrAdd(key, _ => new()).Enqueue(sequence);
            InterlockedMax.Raise(ref _max, Interlocked.Increment(ref _current));
            InterlockedMax.Raise(ref _maxPerKey, _perKey.AddOrUpdate(key, 1, (_, n) => n + 1));
            await Task.Delay(100);
            _perKey.AddOrUpdate(key, 0, (_, n) => n - 1);
            Interlocked.Decrement(ref _current);
            Interlocked.Increment(ref _received);
            context.Response.StatusCode = 200;
        }
    }
}
