using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Testcontainers.Kafka;
using Xunit;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A real Kafka protocol endpoint for a test collection: <c>KAFKA_BOOTSTRAP_SERVERS</c> if set →
/// Testcontainers when a Docker engine answers → librdkafka's mock cluster (3 brokers) that this fixture
/// owns and destroys.
/// </summary>
public sealed class KafkaFixture : IAsyncLifetime
{
    private KafkaContainer? _container;

    /// <summary>The bootstrap servers.</summary>
    public string BootstrapServers { get; private set; } = string.Empty;

    /// <summary>The mock cluster, when this fixture runs one (fault injection needs it).</summary>
    public KafkaMockCluster? Mock { get; private set; }

    /// <summary>Where the endpoint came from, for failure messages.</summary>
    public string Origin { get; private set; } = string.Empty;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        // Before any client of the tests: the librdkafka Confluent.Kafka ships, even with a system
        // librdkafka.so first on the library path (Debian's librdkafka-dev).
        Knative.Eventing.Metrics.Kafka.KafkaNativeLibrary.EnsureLoaded();
        var configured = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
        if (!string.IsNullOrEmpty(configured))
        {
            BootstrapServers = configured;
            Origin = $"KAFKA_BOOTSTRAP_SERVERS ({configured})";
            return;
        }

        if (DockerEngine.MayBeReachable)
        {
            try
            {
                var container = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
                await container.StartAsync(timeout.Token);
                _container = container;
                BootstrapServers = container.GetBootstrapAddress();
                Origin = "Testcontainers (cp-kafka)";
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Console.Error.WriteLine($"Kafka fixture: Docker did not answer ({ex.GetType().Name}: {ex.Message}); using librdkafka's mock cluster.");
            }
        }

        Mock = KafkaMockCluster.Start(3);
        BootstrapServers = Mock.BootstrapServers;
        Origin = $"librdkafka mock cluster ({BootstrapServers})";
    }

    /// <summary>Creates a topic with <paramref name="partitions"/> partitions (mock API, or the admin API on a real cluster).</summary>
    public async Task CreateTopicAsync(string topic, int partitions)
    {
        if (Mock is not null)
        {
            Mock.CreateTopic(topic, partitions);
            return;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    /// <summary>The mock cluster, for fault tests; fails clearly on an external endpoint.</summary>
    public KafkaMockCluster RequireMock() => Mock
        ?? throw new InvalidOperationException($"This test injects broker faults through librdkafka's mock API, which needs the mock cluster (endpoint here: {Origin}). Unset KAFKA_BOOTSTRAP_SERVERS to run it.");

    /// <summary>Σ over a topic's partitions of the high watermark, and of a group's committed offsets, as Kafka reports them.</summary>
    public (long HighWatermarks, long Committed) Offsets(string topic, string? groupId)
    {
        var partitions = PartitionOffsets(topic, groupId);
        return (partitions.Values.Sum(p => p.HighWatermark), partitions.Values.Sum(p => p.Committed));
    }

    /// <summary>Each partition's high watermark and a group's committed offset (0 before any commit), as Kafka reports them.</summary>
    public IReadOnlyDictionary<int, (long HighWatermark, long Committed)> PartitionOffsets(string topic, string? groupId)
    {
        var config = new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = groupId ?? "offsets-reader", EnableAutoCommit = false };
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var committed = groupId is null
            ? partitions.ToDictionary(p => p.Partition.Value, _ => 0L)
            : consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.Partition.Value, c => Math.Max(0, c.Offset.Value));
        return partitions.ToDictionary(
            p => p.Partition.Value,
            p => (consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value, committed[p.Partition.Value]));
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Mock?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
