using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.ScaleOut;

/// <summary>Three exporter replicas on a 3-node RabbitMQ cluster with quorum queues (the default).</summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
[Collection(RabbitMQClusterCollection.Name)]
public sealed class RabbitMQScaleOutTests(RabbitMQClusterFixture cluster, ITestOutputHelper output)
{
    private readonly string _prefix = $"kem{Guid.NewGuid():N}"[..12];

    private string Exchange => $"{_prefix}.demo.default";

    private string LoadQueue => $"{_prefix}.demo.default.{LoadScenario.LoadTrigger}";

    [Fact]
    public async Task Three_replicas_share_the_work_without_loss_and_the_backlog_panel_equals_rabbitmq()
    {
        await using var scenario = await ScaleOutScenario.StartAsync("RabbitMQBroker", BackendArgs(), output);
        Assert.Equal("quorum", (await cluster.Management.GetQueueTypeAsync(LoadQueue)).Type);

        await scenario.AssertSharedWithoutLossAsync("flow", 10_000, async () => (await cluster.Management.GetExchangeAsync(Exchange)).PublishedIn);
        await scenario.AssertBacklogPanelEqualsBrokerAsync("stalled", 600, async () => (await cluster.Management.GetQueueAsync(LoadQueue)).Messages);
    }

    private string[] BackendArgs() => ["--broker", "rabbitmq", "--rabbitmq", cluster.AmqpUris, "--Broker:ResourcePrefix", _prefix];
}
