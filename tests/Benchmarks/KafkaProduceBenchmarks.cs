using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using Knative.Eventing.Metrics.Kafka;
using Knative.Eventing.Metrics.TestInfrastructure;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>
/// Produce-with-delivery-report throughput against a Kafka protocol endpoint (KAFKA_BOOTSTRAP_SERVERS,
/// else librdkafka's mock cluster): the instrumented producer (with and without its own ingress
/// recording) vs Confluent.Kafka's own ProduceAsync on the same producer. Each operation produces a batch of 100 concurrently and waits for every report.
/// </summary>
[MemoryDiagnoser]
public class KafkaProduceBenchmarks
{
    private const int Batch = 100;
    private const string Topic = "bench-topic";
    private readonly Task[] _tasks = new Task[Batch];
    private readonly List<Metric> _exported = [];
    private KafkaMockCluster? _mock;
    private IProducer<byte[]?, byte[]?> _producer = null!;
    private KafkaProducer _instrumented = null!;
    private KafkaProducer _transportOnly = null!;
    private KnativeEventingMetrics _metrics = null!;
    private KafkaInstrumentation _instrumentation = null!;
    private MeterProvider _provider = null!;
    private Message<byte[]?, byte[]?> _message = null!;

    [GlobalSetup]
    public void Setup()
    {
        Knative.Eventing.Metrics.Kafka.KafkaNativeLibrary.EnsureLoaded();
        var bootstrap = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
        if (string.IsNullOrEmpty(bootstrap))
        {
            _mock = KafkaMockCluster.Start(3);
            _mock.CreateTopic(Topic, 4);
            bootstrap = _mock.BootstrapServers;
        }

        _producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, LingerMs = 1 }).Build();
        _metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions { BrokerClass = "Kafka" }, null);
        _instrumentation = new KafkaInstrumentation();
        _provider = Sdk.CreateMeterProviderBuilder().AddKnativeEventingInstrumentation().AddInMemoryExporter(_exported).Build();
        _instrumented = KafkaProducer.CreateAsync(_producer, new BrokerRef("demo", "default", Topic), _metrics, _instrumentation, new KafkaProducerOptions { Topic = Topic }).GetAwaiter().GetResult(); // completes at once
        _transportOnly = KafkaProducer.CreateAsync(_producer, new BrokerRef("demo", "default", Topic), _metrics, _instrumentation, new KafkaProducerOptions { Topic = Topic, RecordIngress = false }).GetAwaiter().GetResult();
        _message = new Message<byte[]?, byte[]?>
        {
            Value = "{\"player\":\"p\",\"score\":10}"u8.ToArray(),
            Headers = new Headers { { "ce_specversion", "1.0"u8.ToArray() }, { "ce_type", "dev.knative.game.score"u8.ToArray() } },
        };
        _producer.ProduceAsync(Topic, _message).GetAwaiter().GetResult(); // metadata and connections in place
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _provider.Dispose();
        _metrics.Dispose();
        _instrumentation.Dispose();
        _mock?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "Confluent.Kafka ProduceAsync")]
    public async Task Plain()
    {
        for (var i = 0; i < Batch; i++)
        {
            _tasks[i] = _producer.ProduceAsync(Topic, _message);
        }

        await Task.WhenAll(_tasks);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "KafkaProducer")]
    public async Task Instrumented()
    {
        for (var i = 0; i < Batch; i++)
        {
            _tasks[i] = _instrumented.PublishAsync(_message, "dev.knative.game.score", null, CancellationToken.None);
        }

        await Task.WhenAll(_tasks);
    }

    /// <summary>As the exporter runs it: its HTTP ingress records <c>kn.eventing.ingress.duration</c>, the producer only the transport instruments.</summary>
    [Benchmark(OperationsPerInvoke = Batch, Description = "KafkaProducer, RecordIngress = false")]
    public async Task TransportOnly()
    {
        for (var i = 0; i < Batch; i++)
        {
            _tasks[i] = _transportOnly.PublishAsync(_message, "dev.knative.game.score", null, CancellationToken.None);
        }

        await Task.WhenAll(_tasks);
    }
}
