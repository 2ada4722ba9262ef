using System.Text;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The Kafka backend's floor: the same broker work with the raw client and nothing else. One topic
/// (created on first use, as the exporter's), produced with the exporter's producer settings (acks=all,
/// idempotence, linger 2 ms), each produce awaited until persisted (as the ingress answers 202 only then); one
/// consumer group per trigger (5), each consuming record by record, storing the offset after handling and
/// committing every 500 ms, as the exporter's consumers do. For a workload with replies, the third group
/// produces one reply (awaited) before storing the record's offset.
/// </summary>
internal sealed class KafkaFloor : ICapacityTarget
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;
    private readonly Workload _workload;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Thread> _consumers = [];
    private long _sequence;
    private long _produced;
    private long _consumed;

    private KafkaFloor(IProducer<byte[]?, byte[]?> producer, string topic, Workload workload)
    {
        _producer = producer;
        _topic = topic;
        _workload = workload;
    }

    /// <summary>Creates the producer and starts the five consumer groups (named for this run).</summary>
    public static KafkaFloor Start(string bootstrapServers, Workload workload)
    {
        var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 2,
        }).Build();
        var topic = $"capacity-floor-{Guid.NewGuid():N}"[..24];
        var floor = new KafkaFloor(producer, topic, workload);
        for (var i = 0; i < Workload.Triggers; i++)
        {
            floor.Consume(bootstrapServers, $"{topic}.{i}", replies: i == 2 && workload.OutcomesPerEvent > Workload.Triggers);
        }

        return floor;
    }

    public int ProcessId => 0;

    public long NextSequence(long count) => Interlocked.Add(ref _sequence, count) - count;

    public async ValueTask<string?> SendAsync(long n, CancellationToken cancellationToken)
    {
        var headers = new Headers
        {
            { "ce_specversion", "1.0"u8.ToArray() },
            { "ce_id", Encoding.UTF8.GetBytes(Workload.Id(n)) },
            { "ce_source", Encoding.UTF8.GetBytes(_workload.Source(n)) },
            { "ce_type", Encoding.UTF8.GetBytes(_workload.Type) },
            { "content-type", "application/json"u8.ToArray() },
        };
        return await ProduceAsync(headers, _workload.Data(n), cancellationToken);
    }

    /// <summary>Records consumed by the five groups so far (replies included).</summary>
    public long Consumed => Interlocked.Read(ref _consumed);

    /// <summary>Produces one record and waits until it is persisted. Returns null when it is, else the error code.</summary>
    public async ValueTask<string?> ProduceAsync(Headers headers, byte[]? value, CancellationToken cancellationToken)
    {
        try
        {
            await _producer.ProduceAsync(_topic, new Message<byte[]?, byte[]?> { Value = value, Headers = headers }, cancellationToken);
            Interlocked.Increment(ref _produced);
            return null;
        }
        catch (ProduceException<byte[]?, byte[]?> ex)
        {
            return ex.Error.Code.ToString();
        }
    }

    public Task<TimeSpan?> SettleAsync(TimeSpan limit) =>
        FloorSettle.UntilAsync(() => Interlocked.Read(ref _consumed), Interlocked.Read(ref _produced) * _workload.OutcomesPerEvent, limit);

    private void Consume(string bootstrapServers, string group, bool replies)
    {
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 500,
            EnableAutoOffsetStore = false,
            AllowAutoCreateTopics = true,
        }).Build();
        consumer.Subscribe(_topic);
        var thread = new Thread(() =>
        {
            try
            {
                while (!_stopping.IsCancellationRequested)
                {
                    ConsumeResult<byte[]?, byte[]?> record;
                    try
                    {
                        record = consumer.Consume(_stopping.Token);
                    }
                    catch (ConsumeException ex) when (ex.Error.Code == ErrorCode.UnknownTopicOrPart)
                    {
                        continue; // subscribed before the first produce created the topic
                    }

                    if (replies && record.Message.Headers.All(h => h.Key != "reply"))
                    {
                        var headers = new Headers { { "reply", "1"u8.ToArray() } };
                        foreach (var header in record.Message.Headers)
                        {
                            headers.Add(header.Key, header.GetValueBytes());
                        }

                        _producer.ProduceAsync(_topic, new Message<byte[]?, byte[]?> { Value = record.Message.Value, Headers = headers }).GetAwaiter().GetResult();
                    }

                    Interlocked.Increment(ref _consumed);
                    consumer.StoreOffset(record);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
            finally
            {
                consumer.Close();
                consumer.Dispose();
            }
        })
        { IsBackground = true, Name = group };
        thread.Start();
        _consumers.Add(thread);
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _consumers.ForEach(t => t.Join(TimeSpan.FromSeconds(10)));
        _producer.Dispose();
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }
}
