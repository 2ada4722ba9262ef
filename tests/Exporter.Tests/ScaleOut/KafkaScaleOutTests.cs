using System.Text.RegularExpressions;
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

    /// <summary>
    /// The same 10,000 events (64 in flight, closed loop) through one replica, for the figures in docs/performance.md
    /// beside the three replicas' run: on one 2-core machine the replicas, the broker and the load share the cores.
    /// </summary>
    [Fact]
    public async Task One_replica_carries_the_same_flow_without_loss()
    {
        fixture.RequireMock().CreateTopic(Topic, Partitions, replicationFactor: 3);
        await using var scenario = await ScaleOutScenario.StartAsync("Kafka", BackendArgs(), output, replicas: 1);
        var report = await scenario.AssertSharedWithoutLossAsync("flow", 10_000, () => Task.FromResult(fixture.Offsets(Topic, null).HighWatermarks));
        output.WriteLine($"1 replica: {report.AcceptedPerSecond:F0} events/s, p99 {report.Percentile(99):F1} ms");
    }

    [Fact]
    public async Task Three_replicas_share_the_work_without_loss_and_the_backlog_panel_equals_kafka()
    {
        fixture.RequireMock().CreateTopic(Topic, Partitions, replicationFactor: 3);
        await using var scenario = await ScaleOutScenario.StartAsync("Kafka", BackendArgs(), output);
        await WaitForStableGroupsAsync(scenario);

        await scenario.AssertSharedWithoutLossAsync("flow", 10_000, () => Task.FromResult(fixture.Offsets(Topic, null).HighWatermarks));
        await scenario.AssertBacklogPanelEqualsBrokerAsync("stalled", 600, () => Task.Run(() =>
        {
            var (high, committed) = fixture.Offsets(Topic, LoadGroup);
            return high - committed;
        }));
    }

    [Fact]
    public async Task The_partition_leaders_broker_down_and_up_mid_flow_loses_nothing_and_503s_last_only_while_no_leader_is_there()
    {
        var mock = fixture.RequireMock();
        mock.CreateTopic(Topic, Partitions, replicationFactor: 3);
        SetLeaders(mock, 1);

        // What is under test is the partition leaders' broker; the groups' coordinator is another one (the mock would
        // otherwise hash a third of the groups onto broker 1, and a group whose coordinator is down cannot rejoin once
        // its session times out, so its flow stops until the broker is back: seen, 184 of 1,500 deliveries in 60 s).
        foreach (var trigger in LoadScenario.Triggers)
        {
            mock.SetGroupCoordinator($"{_prefix}-trigger-demo-{trigger}", 3);
        }

        await using var scenario = await ScaleOutScenario.StartAsync("Kafka", BackendArgs(), output);
        await WaitForStableGroupsAsync(scenario);
        double rejectedWhileDown = 0;
        long deliveredWhileDown = 0;
        var (report, scrapes) = await scenario.RunWithFaultAsync("leader-down", async () =>
        {
            var before = scenario.Subscriber.Received;
            using (mock.BrokersDown(1))
            {
                // No leader for any partition: the ingress answers 503 (after Broker:PublishTimeout), the producers retry.
                rejectedWhileDown = await Poll.UntilAsync(() => scenario.Exporters.SumAsync("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "503")), n => n >= 3, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));

                // The controller's part: leadership moves to broker 2, and the flow goes on while broker 1 is still down.
                SetLeaders(mock, 2);
                await scenario.FlowContinuesAsync(1500);
            }

            deliveredWhileDown = scenario.Subscriber.Received - before;
        },
        // Before the coordinators were kept off broker 1, the groups it coordinated could not commit, and after
        // session.timeout.ms librdkafka gave their assignment up (SESSTMOUT; commit _ASSIGNMENT_LOST): what they handled
        // during the outage was delivered again (306 and 1,053; docs/brokers/kafka.md, Operating). The bound stays.
        faultRedelivery: () => deliveredWhileDown);

        output.WriteLine($"503 answered while no leader was there: {rejectedWhileDown}; all 503s: {scrapes.Sum(s => s.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "503")))}");
        Assert.True(rejectedWhileDown >= 3, "the producers never saw the outage");
        Assert.True(report.Attempted(503) > 0);
        await scenario.AssertHealthyAgainAsync("after-leader-down");
        var offsets = await Poll.UntilAsync(() => Task.Run(() => fixture.Offsets(Topic, LoadGroup)), o => o.HighWatermarks == o.Committed, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        Assert.Equal(offsets.HighWatermarks, offsets.Committed);
        Assert.True(offsets.HighWatermarks >= report.Requests + 1000);
        Assert.Equal(0, await Poll.UntilAsync(() => scenario.BacklogPanelAsync(LoadScenario.LoadTrigger), v => v == 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task A_replica_killed_mid_flow_hands_its_partitions_to_the_others_and_the_totals_still_add_up()
    {
        fixture.RequireMock().CreateTopic(Topic, Partitions, replicationFactor: 3);
        await using var scenario = await ScaleOutScenario.StartAsync("Kafka", BackendArgs(), output);

        // A group whose third member still joins refuses commits (REBALANCE_IN_PROGRESS) until it settles, 5-10 s on the
        // mock cluster: a kill then redelivers everything the replica handled since, not the commit window under test
        // (seen: completions 498 of 498 redelivered, the third member assigned 5 s after the load began, 2026-12-02).
        await WaitForStableGroupsAsync(scenario);
        await ReplicaKill.RunAsync(scenario, output, () => Task.Run(() => fixture.Offsets(Topic, null).HighWatermarks));
        var offsets = await Poll.UntilAsync(() => Task.Run(() => fixture.Offsets(Topic, LoadGroup)), o => o.HighWatermarks == o.Committed, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        Assert.Equal(offsets.HighWatermarks, offsets.Committed);
    }

    /// <summary>
    /// Waits until every trigger's group has all three replicas as members with partitions: the last word of each
    /// replica's consumer for each group is "N partitions assigned, M held" with M &gt; 0 (the exporter logs each
    /// assignment and revocation, with the cooperative assignor each an increment, and the partitions held after it). A flow started while the third member still joins is redelivered in part by the rebalance
    /// (at-least-once), and the exact count of outcomes would measure that instead of the sharing.
    /// </summary>
    private async Task WaitForStableGroupsAsync(ScaleOutScenario scenario)
    {
        bool Stable() => LoadScenario.Triggers.All(trigger => Enumerable.Range(0, scenario.Exporters.Count).All(replica =>
        {
            var group = Regex.Escape($"{_prefix}-trigger-demo-{trigger}");
            var last = Regex.Matches(scenario.Exporters.OutputOf(replica), $@"Consumer group {group}: \d+ partitions (assigned|revoked), (\d+) held").LastOrDefault();
            return last is not null && last.Groups[1].Value == "assigned" && int.Parse(last.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 0;
        }));

        // And quiet: a cooperative rebalance has follow-up rounds about 5 s apart ("0 partitions assigned"), during which the
        // coordinator refuses commits; a flow started between two rounds was redelivered past the bound (fresh run, 2026-12-03).
        var (lines, quietSince) = (-1, System.Diagnostics.Stopwatch.GetTimestamp());
        bool Quiet()
        {
            var now = ExporterReplicas.ConsumerGroupLines(scenario.Exporters.Output).Split('\n').Length;
            if (now != lines)
            {
                (lines, quietSince) = (now, System.Diagnostics.Stopwatch.GetTimestamp());
            }

            return System.Diagnostics.Stopwatch.GetElapsedTime(quietSince) >= TimeSpan.FromSeconds(7);
        }

        Assert.True(
            await Poll.UntilAsync(() => Task.FromResult(Quiet() && Stable()), s => s, TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(100)),
            $"the groups did not settle:\n{scenario.Exporters.Output}");
    }

    private void SetLeaders(KafkaMockCluster mock, int broker)
    {
        for (var partition = 0; partition < Partitions; partition++)
        {
            mock.SetPartitionLeader(Topic, partition, broker);
        }
    }

    /// <summary>The backend, with a short session timeout so that a lost replica's partitions move within seconds.</summary>
    private string[] BackendArgs() =>
    [
        "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", _prefix,
        "--Broker:KafkaConsumerProperties:session.timeout.ms", "6000", "--Broker:KafkaConsumerProperties:heartbeat.interval.ms", "1000",
        "--Logging:Console:FormatterOptions:TimestampFormat", "HH:mm:ss.fff ", "--Logging:Console:FormatterOptions:SingleLine", "true",
    ];
}
