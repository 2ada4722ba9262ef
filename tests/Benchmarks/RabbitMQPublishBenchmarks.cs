using System.Text;
using BenchmarkDotNet.Attributes;
using Knative.Eventing.Metrics.RabbitMQ;
using Knative.Eventing.Metrics.TestInfrastructure;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using RabbitMQ.Client;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>
/// Publish-with-confirm throughput against a real RabbitMQ node (RABBITMQ_URL, else a private local
/// node): the instrumented publisher vs RabbitMQ.Client's own confirmed publish on the same kind of
/// channel. Each operation publishes a batch of 100 concurrently and waits for every confirm.
/// </summary>
[MemoryDiagnoser]
public class RabbitMQPublishBenchmarks
{
    private const int Batch = 100;
    private LocalRabbitMQNode? _node;
    private IConnection _connection = null!;
    private IChannel _plainChannel = null!;
    private RabbitMQPublisher _publisher = null!;
    private KnativeEventingMetrics _metrics = null!;
    private RabbitMQInstrumentation _instrumentation = null!;
    private MeterProvider _provider = null!;
    private readonly List<Metric> _exported = [];
    private readonly byte[] _body = Encoding.UTF8.GetBytes("{\"player\":\"p\",\"score\":10}");
    private readonly Task[] _tasks = new Task[Batch];
    private BasicProperties _properties = null!;
    private const string Exchange = "bench.exchange";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var url = Environment.GetEnvironmentVariable("RABBITMQ_URL");
        Uri uri;
        if (string.IsNullOrEmpty(url))
        {
            _node = await LocalRabbitMQNode.StartAsync();
            uri = _node.AmqpUri;
        }
        else
        {
            uri = new Uri(url);
        }

        _connection = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync();
        await using (var setup = await _connection.CreateChannelAsync())
        {
            await setup.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true);
            // A bounded queue that drops its oldest messages: publishes are still routed and confirmed.
            await setup.QueueDeclareAsync("bench.queue", durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-max-length"] = 1000, ["x-overflow"] = "drop-head" });
            await setup.QueueBindAsync("bench.queue", Exchange, string.Empty);
        }

        _plainChannel = await _connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        _metrics = new KnativeEventingMetrics(new KnativeEventingMetricsOptions { BrokerClass = "RabbitMQBroker" }, null);
        _instrumentation = new RabbitMQInstrumentation();
        _provider = Sdk.CreateMeterProviderBuilder().AddKnativeEventingInstrumentation().AddInMemoryExporter(_exported).Build();
        _publisher = await RabbitMQPublisher.CreateAsync(_connection, new BrokerRef("demo", "default", Exchange), _metrics, _instrumentation, new RabbitMQPublisherOptions { Exchange = Exchange });
        _properties = new BasicProperties { Persistent = true, Headers = new Dictionary<string, object?> { ["cloudEvents:type"] = "dev.knative.game.score" } };
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _publisher.DisposeAsync();
        await _plainChannel.CloseAsync();
        await _connection.CloseAsync();
        _provider.Dispose();
        _metrics.Dispose();
        _instrumentation.Dispose();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "RabbitMQ.Client confirmed publish")]
    public async Task Plain()
    {
        for (var i = 0; i < Batch; i++)
        {
            _tasks[i] = _plainChannel.BasicPublishAsync(Exchange, "k", true, _properties, _body).AsTask();
        }

        await Task.WhenAll(_tasks);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "RabbitMQPublisher")]
    public async Task Instrumented()
    {
        for (var i = 0; i < Batch; i++)
        {
            _tasks[i] = _publisher.PublishAsync("k", _properties, _body, "dev.knative.game.score", null, CancellationToken.None);
        }

        await Task.WhenAll(_tasks);
    }
}
