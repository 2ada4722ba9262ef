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

    /// <summary>
    /// The same 10,000 events (64 in flight, closed loop) through one replica, for the figures in docs/performance.md
    /// beside the three replicas' run: on one 2-core machine the replicas, the broker and the load share the cores.
    /// </summary>
    [Fact]
    public async Task One_replica_carries_the_same_flow_without_loss()
    {
        await using var scenario = await ScaleOutScenario.StartAsync("RabbitMQBroker", BackendArgs(), output, replicas: 1);
        var report = await scenario.AssertSharedWithoutLossAsync("flow", 10_000, async () => (await cluster.Management.GetExchangeAsync(Exchange)).PublishedIn);
        output.WriteLine($"1 replica: {report.AcceptedPerSecond:F0} events/s, p99 {report.Percentile(99):F1} ms");
    }

    [Fact]
    public async Task Three_replicas_share_the_work_without_loss_and_the_backlog_panel_equals_rabbitmq()
    {
        await using var scenario = await ScaleOutScenario.StartAsync("RabbitMQBroker", BackendArgs(), output);
        Assert.Equal("quorum", (await cluster.Management.GetQueueTypeAsync(LoadQueue)).Type);

        await scenario.AssertSharedWithoutLossAsync("flow", 10_000, async () => (await cluster.Management.GetExchangeAsync(Exchange)).PublishedIn);
        await scenario.AssertBacklogPanelEqualsBrokerAsync("stalled", 600, async () => (await cluster.Management.GetQueueAsync(LoadQueue)).Messages);
    }

    [Fact]
    public async Task The_leader_node_of_the_busiest_queue_stopped_mid_flow_loses_nothing_and_its_connections_recover()
    {
        await using var scenario = await ScaleOutScenario.StartAsync("RabbitMQBroker", BackendArgs(), output);
        string? leader = null;
        var onLeader = 0;
        var (_, scrapes) = await scenario.RunWithFaultAsync("node-down", async () =>
        {
            leader = await cluster.Management.GetQueueLeaderAsync(LoadQueue);
            onLeader = (await cluster.Management.GetConnectionsAsync()).Count(c => c.Node == leader && c.Name.StartsWith("knative-eventing-metrics-exporter", StringComparison.Ordinal));
            output.WriteLine($"stopping {leader}, the leader of {LoadQueue}, with {onLeader} of the replicas' {2 * ScaleOutScenario.Replicas} connections");
            await cluster.StopNodeAsync(leader);

            // Two of three nodes keep the quorum: a new leader takes over and the flow goes on without the node.
            await scenario.FlowContinuesAsync(1500);
            var newLeader = await cluster.Management.GetQueueLeaderAsync(LoadQueue);
            output.WriteLine($"new leader {newLeader}");
            Assert.NotEqual(leader, newLeader);
            await cluster.StartNodeAsync(leader);
        });

        // Every connection that was on the stopped node recovered once (to another node), counted by its replica.
        Assert.Equal(onLeader, scrapes.Sum(s => s.Sum("rabbitmq_client_connection_recoveries_total")));
        Assert.Equal(onLeader, scrapes.Sum(s => s.Sum("rabbitmq_client_connection_shutdowns_total")));
        await scenario.AssertHealthyAgainAsync("after-node-down");
        Assert.Equal(0, await Poll.UntilAsync(async () => (await cluster.Management.GetQueueAsync(LoadQueue)).Messages, m => m == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250)));
        Assert.Equal(0, await Poll.UntilAsync(() => scenario.BacklogPanelAsync(LoadScenario.LoadTrigger), v => v == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task A_replica_killed_mid_flow_hands_its_share_to_the_others_and_the_totals_still_add_up()
    {
        await using var scenario = await ScaleOutScenario.StartAsync("RabbitMQBroker", BackendArgs(), output);
        await ReplicaKill.RunAsync(scenario, output, async () => (await cluster.Management.GetExchangeAsync(Exchange)).PublishedIn);
        Assert.Equal(0, await Poll.UntilAsync(async () => (await cluster.Management.GetQueueAsync(LoadQueue)).Messages, m => m == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250)));
    }

    private string[] BackendArgs() => ["--backend", "rabbitmq", "--rabbitmq", cluster.AmqpUris, "--Broker:ResourcePrefix", _prefix];
}
