using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Faults;

/// <summary>
/// The exporter's RabbitMQ connections (publishing and consuming) reset twice (through a TCP proxy) while producers send 300 events/s:
/// RabbitMQ.Client recovers, the producers' retries of the 503s succeed, every accepted event is delivered,
/// and the exporter's counts equal the producers', the subscriber's and RabbitMQ's own.
/// </summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class ConnectionCutUnderLoadTests(RabbitMQFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Cutting_the_broker_connection_under_load_loses_nothing_and_metrics_match_the_broker()
    {
        await using var proxy = TcpProxy.Start(fixture.AmqpUri.Host, fixture.AmqpUri.Port);
        var viaProxy = new UriBuilder(fixture.AmqpUri) { Host = "127.0.0.1", Port = proxy.Port }.Uri;
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        await using var scenario = await LoadScenario.StartAsync("--backend", "rabbitmq", "--rabbitmq", viaProxy.ToString(), "--Broker:ResourcePrefix", prefix);
        await scenario.WarmUpAsync();

        var load = new IngressLoad().RunAsync(scenario.Client, 300, TimeSpan.FromSeconds(20), n => scenario.Event("cut", n));
        var cuts = new List<int>();
        foreach (var received in new[] { 1500, 4000 })
        {
            var reached = await Poll.UntilAsync(() => Task.FromResult(scenario.Subscriber.Received), r => r >= scenario.WarmedUp + received || load.IsCompleted, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));
            Assert.True(reached >= scenario.WarmedUp + received, $"only {reached - scenario.WarmedUp} of {received} deliveries before the cut");
            Assert.False(load.IsCompleted, "the load ended before the cut");
            cuts.Add(proxy.CutAll());
        }

        var report = await load;
        var scrape = await scenario.SettleAsync(report.Answered(202));
        output.WriteLine($"connections cut: {string.Join(" and ", cuts)}; {report}; 503 answers {report.Attempted(503)}, no answer {report.Attempted(0)}");
        output.WriteLine($"subscriber: {scenario.Subscriber.Received} requests, {scenario.Subscriber.Distinct} distinct events");

        Assert.All(cuts, c => Assert.Equal(2, c)); // the publishing and the consuming connection
        Assert.Equal(0, report.Failures);
        Assert.Equal(report.Requests, report.Answered(202));
        Assert.Equal(report.Attempted(503), scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "503")));
        Assert.Equal(0, report.Attempted(0)); // the producers' side was never cut
        Assert.Equal(cuts.Sum(), scrape.Sum("rabbitmq_client_connection_recoveries_total")); // each connection cut (publishing and consuming) recovers once
        scenario.AssertNothingLost(scrape, report.Requests, Enumerable.Range(0, (int)report.Requests).Select(n => $"cut-{n}"), redeliveries: true);

        // RabbitMQ's own counters: every message it routed to the load queue was acknowledged exactly once, and none is left.
        var queue = await RabbitMQManagement.WaitForAsync(
            () => fixture.Management.GetQueueAsync($"{prefix}.demo.default.{LoadScenario.LoadTrigger}"),
            q => q.Messages == 0 && q.Acknowledged == q.Published && q.Published >= report.Requests + scenario.WarmedUp,
            TimeSpan.FromSeconds(30));
        output.WriteLine($"RabbitMQ load queue: {queue}");
        Assert.Equal(0, queue.Messages);
        Assert.Equal(queue.Published, queue.Acknowledged);
        Assert.True(queue.Published >= report.Requests + scenario.WarmedUp, $"{queue.Published} routed for {report.Requests + scenario.WarmedUp} accepted");
        Assert.True(scenario.Subscriber.Received >= queue.Acknowledged, $"{scenario.Subscriber.Received} delivered, {queue.Acknowledged} acknowledged");
    }
}
