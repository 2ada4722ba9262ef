using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// librdkafka's built-in mock cluster (real Kafka protocol on 127.0.0.1 ports: produce, consume, group
/// commit, watermarks; topics auto-created), owned through P/Invoke into the native library that
/// Confluent.Kafka ships, so tests can create topics with a chosen partition count and inject faults
/// (brokers down and up, request errors). A proxy in front of the bootstrap address would not cut
/// traffic: the brokers advertise their own addresses.
/// </summary>
public sealed partial class KafkaMockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private IntPtr _handle;
    private IntPtr _cluster;

    static KafkaMockCluster()
    {
        NativeLibrary.SetDllImportResolver(typeof(KafkaMockCluster).Assembly, Resolve);
    }

    private KafkaMockCluster(IntPtr handle, IntPtr cluster, int brokers)
    {
        _handle = handle;
        _cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    /// <summary>The bootstrap servers of the mock brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>How many brokers (ids 1..N).</summary>
    public int Brokers { get; }

    /// <summary>Starts a mock cluster with <paramref name="brokers"/> brokers.</summary>
    public static KafkaMockCluster Start(int brokers = 3)
    {
        var conf = rd_kafka_conf_new();
        var error = new StringBuilder(512);
        // A client only to own the cluster; it connects nowhere.
        _ = rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", error, (UIntPtr)error.Capacity);
        _ = rd_kafka_conf_set(conf, "log_level", "0", error, (UIntPtr)error.Capacity);
        var handle = rd_kafka_new(ProducerType, conf, error, (UIntPtr)error.Capacity);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"rd_kafka_new failed: {error}");
        }

        var cluster = rd_kafka_mock_cluster_new(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }

        return new KafkaMockCluster(handle, cluster, brokers);
    }

    /// <summary>Creates a topic with a chosen partition count (the mock would otherwise auto-create it with its default).</summary>
    public void CreateTopic(string topic, int partitions) => CreateTopic(topic, partitions, 1);

    /// <summary>Creates a topic with a chosen partition count and replication factor (at most <see cref="Brokers"/>).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor)
    {
        var result = (ErrorCode)rd_kafka_mock_topic_create(_cluster, topic, partitions, replicationFactor);
        if (result != ErrorCode.NoError)
        {
            throw new InvalidOperationException($"Creating mock topic {topic} failed: {result}");
        }
    }

    /// <summary>Takes a broker down: its connections are closed and new ones refused.</summary>
    public void SetBrokerDown(int brokerId) => Check(rd_kafka_mock_broker_set_down(_cluster, brokerId), $"broker {brokerId} down");

    /// <summary>
    /// Makes <paramref name="brokerId"/> the leader of a partition (the mock elects no leader on its own: a
    /// test moves leadership, as a controller would after a broker is lost).
    /// </summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Check(rd_kafka_mock_partition_set_leader(_cluster, topic, partition, brokerId), $"leader of {topic}[{partition}] = broker {brokerId}");

    /// <summary>
    /// Makes <paramref name="brokerId"/> the coordinator of consumer group <paramref name="groupId"/> (the mock picks one by
    /// hashing the group's name otherwise): a test that stops a broker for its partition leadership keeps the groups'
    /// coordinators elsewhere, or a group whose coordinator it stopped cannot rejoin until the broker is back.
    /// </summary>
    public void SetGroupCoordinator(string groupId, int brokerId) =>
        Check(rd_kafka_mock_coordinator_set(_cluster, "group", groupId, brokerId), $"coordinator of group {groupId} = broker {brokerId}");

    /// <summary>Brings a broker back up.</summary>
    public void SetBrokerUp(int brokerId) => Check(rd_kafka_mock_broker_set_up(_cluster, brokerId), $"broker {brokerId} up");

    /// <summary>
    /// Takes brokers down until the returned scope is disposed, which brings them up again even when the test failed
    /// in between: the cluster is shared by a test collection, and a broker left down fails every test after it.
    /// </summary>
    public IDisposable BrokersDown(params int[] brokerIds)
    {
        foreach (var id in brokerIds)
        {
            SetBrokerDown(id);
        }

        return new BrokersDownScope(this, brokerIds);
    }

    /// <summary>Every broker of the cluster down until disposed (<see cref="BrokersDown"/>).</summary>
    public IDisposable AllBrokersDown() => BrokersDown([.. Enumerable.Range(1, Brokers)]);

    private sealed class BrokersDownScope(KafkaMockCluster cluster, int[] brokerIds) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                foreach (var id in brokerIds)
                {
                    cluster.SetBrokerUp(id);
                }
            }
        }
    }

    /// <summary>Makes the next <paramref name="errors"/>.Length requests of an API (e.g. 0 = Produce) fail with these errors.</summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        var codes = errors.Select(e => (int)e).ToArray();
        rd_kafka_mock_push_request_errors_array(_cluster, apiKey, (UIntPtr)codes.Length, codes);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_cluster != IntPtr.Zero)
        {
            rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = IntPtr.Zero;
        }

        if (_handle != IntPtr.Zero)
        {
            rd_kafka_destroy(_handle);
            _handle = IntPtr.Zero;
        }
    }

    private static void Check(int result, string what)
    {
        if ((ErrorCode)result != ErrorCode.NoError)
        {
            throw new InvalidOperationException($"Mock cluster: {what} failed: {(ErrorCode)result}");
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        // The same file the Kafka adapter makes Confluent.Kafka load (the bundled build, whatever librdkafka
        // the machine has on its library path).
        Knative.Eventing.Metrics.Kafka.KafkaNativeLibrary.EnsureLoaded();
        if (Knative.Eventing.Metrics.Kafka.KafkaNativeLibrary.LoadedFrom is { } file)
        {
            return NativeLibrary.Load(file);
        }

        return NativeLibrary.Load(name, assembly, path);
    }

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_conf_new();

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_conf_set(IntPtr conf, string name, string value, StringBuilder errstr, UIntPtr errstrSize);

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);

    [DllImport(Library)]
    private static extern void rd_kafka_destroy(IntPtr rk);

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [DllImport(Library)]
    private static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [DllImport(Library)]
    private static extern int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_mock_coordinator_set(IntPtr cluster, string keyType, string key, int brokerId);

    [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_mock_partition_set_leader(IntPtr cluster, string topic, int partition, int brokerId);

    [DllImport(Library)]
    private static extern int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

    [DllImport(Library)]
    private static extern void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, UIntPtr count, int[] errors);
}
