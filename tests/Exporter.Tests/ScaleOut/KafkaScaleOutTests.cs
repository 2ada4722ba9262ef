using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.ScaleOut;

/// <summary>
/// Three exporter replicas on librdkafka's mock cluster of 3 brokers, the broker's topic created with 6
/// partitions and replication factor 3: each trigger's group spreads the partitions over the replicas.
/// </summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaScaleOutTests(KafkaFixture fixture, ITestOutputHelper output)
{
    public const int Partitions = 6;
    private readonly string _prefix = $"kem{Guid.NewGuid():N}"[..12];

    private string Topic => $"{_prefix}-broker-demo-default";

    private string LoadGroup => $"{_prefix}-trigger-demo-{LoadScenario.LoadTrigger}";

    [Fact]
    public async Task Three_replicas_share_the_work_without_loss_and_the_backlog_panel_equals_kafka()
    {
        fixture.RequireMock().CreateTopic(Topic, Partitions, replicationFactor: 3);
        await using var scenario = await ScaleOutScenario.StartAsync("Kafka", BackendArgs(), output);

        await scenario.AssertSharedWithoutLossAsync("flow", 10_000, () => Task.FromResult(fixture.Offsets(Topic, null).HighWatermarks));
        await scenario.AssertBacklogPanelEqualsBrokerAsync("stalled", 600, () => Task.Run(() =>
        {
            var (high, committed) = fixture.Offsets(Topic, LoadGroup);
            return high - committed;
        }));
    }

    /// <summary>The backend, with a short session timeout so that a lost replica's partitions move within seconds.</summary>
    private string[] BackendArgs() =>
    [
        "--broker", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", _prefix,
        "--Broker:KafkaConsumerProperties:session.timeout.ms", "6000", "--Broker:KafkaConsumerProperties:heartbeat.interval.ms", "1000",
    ];
}
