using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// The backlog source of a trigger for <c>kn.eventing.backlog</c>: Σ over the topic's partitions of
/// (high watermark − the trigger group's committed offset; the low watermark where nothing is committed),
/// a broker-wide reading (<see cref="BacklogReading.BrokerWide"/>): every replica in the group reads the same
/// figure, records in flight included.
/// Read by the core's background refresher on a client of its own (metadata, watermark and offset-fetch
/// requests; no topic is created), never on the scrape path.
/// </summary>
public sealed class KafkaTriggerBacklog : IDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> _offsets;
    private readonly IAdminClient _admin;
    private readonly string _topic;
    private readonly TimeSpan _timeout;
    private readonly IDisposable _registration;

    private KafkaTriggerBacklog(
        KnativeEventingMetrics metrics,
        ClientConfig config,
        string topic,
        string groupId,
        TriggerRef trigger,
        TimeSpan timeout)
    {
        _topic = topic;
        _timeout = timeout;
        var consumerConfig = new ConsumerConfig(new Dictionary<string, string>(config)) { GroupId = groupId, EnableAutoCommit = false };
        _offsets = new ConsumerBuilder<byte[]?, byte[]?>(consumerConfig).Build();
        _admin = new AdminClientBuilder(new AdminClientConfig(new Dictionary<string, string>(config))).Build();
        _registration = metrics.RegisterBacklogSource(trigger, ReadAsync);
    }

    /// <summary>Registers the backlog of a trigger's consumer group on a topic.</summary>
    /// <param name="metrics">The uniform instruments.</param>
    /// <param name="config">Client configuration (bootstrap servers, security).</param>
    /// <param name="topic">The broker's topic.</param>
    /// <param name="groupId">The trigger's consumer group (<see cref="KafkaNames.ConsumerGroup"/>).</param>
    /// <param name="trigger">The trigger.</param>
    /// <param name="requestTimeout">How long each broker request may take (keep it under the metrics' backlog probe timeout).</param>
    /// <returns>The registration; dispose it to stop reporting and close its clients.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The librdkafka loaded is older than Confluent.Kafka needs (<see
    /// cref="KafkaNativeLibrary.EnsureLoaded"/>).</exception>
    /// <exception cref="InvalidOperationException">The trigger already has a backlog source.</exception>
    public static KafkaTriggerBacklog Register(
        KnativeEventingMetrics metrics,
        ClientConfig config,
        string topic,
        string groupId,
        TriggerRef trigger,
        TimeSpan requestTimeout)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        KafkaNativeLibrary.EnsureLoaded();
        ArgumentNullException.ThrowIfNull(config);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(requestTimeout, TimeSpan.Zero);
        return new KafkaTriggerBacklog(metrics, config, topic, groupId, trigger, requestTimeout);
    }

    /// <summary>Stops reporting and closes the clients.</summary>
    public void Dispose()
    {
        _registration.Dispose();
        _offsets.Dispose();
        _admin.Dispose();
    }

    /// <summary>
    /// Reads on a thread of its own: the Confluent calls block for several round trips to the brokers, and on the
    /// thread pool five triggers' readings every refresh took its workers (two on two cores) from the ingress and
    /// the deliveries until the pool injected more: a stall of 0.2-0.7 s every refresh under load (docs/performance.md, Capacity).
    /// </summary>
    private ValueTask<BacklogReading> ReadAsync(CancellationToken cancellationToken) =>
        new(Task.Factory.StartNew(
            () => BacklogReading.BrokerWide(Read()),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));

    private long Read()
    {
        var metadata = _admin.GetMetadata(_topic, _timeout);
        var topic = metadata.Topics.SingleOrDefault(t => t.Topic == _topic)
            ?? throw new InvalidOperationException($"No metadata for topic '{_topic}'.");
        if (topic.Error.IsError)
        {
            throw new KafkaException(topic.Error);
        }

        var partitions = topic.Partitions.Select(p => new TopicPartition(_topic, p.PartitionId)).ToList();
        var committed = _offsets.Committed(partitions, _timeout).ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
        long backlog = 0;
        foreach (var partition in partitions)
        {
            var watermarks = _offsets.QueryWatermarkOffsets(partition, _timeout);
            var from = committed.TryGetValue(partition.Partition.Value, out var offset) && offset >= 0 ? offset : watermarks.Low.Value;
            backlog += Math.Max(0, watermarks.High.Value - from);
        }

        return backlog;
    }
}
