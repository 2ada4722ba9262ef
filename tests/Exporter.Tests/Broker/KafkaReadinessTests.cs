using System.Net;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// On Kafka, readiness follows the producer's broker connections: with every broker down the replica is unready
/// (<c>/readyz</c> 503 naming the cause) but alive (<c>/livez</c> 200), and ready again once a broker is back.
/// </summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaReadinessTests(KafkaFixture fixture)
{
    [Fact]
    public async Task Every_broker_down_makes_the_replica_unready_but_not_dead()
    {
        var mock = fixture.RequireMock();
        await using var exporter = await RunningExporter.StartAsync("--players", "0", "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await exporter.ProbeAsync("readyz"));

        (HttpStatusCode Status, string Body) unready, alive;
        using (mock.AllBrokersDown())
        {
            unready = await Poll.UntilAsync(() => exporter.ProbeAsync("readyz"), p => p.Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
            alive = await exporter.ProbeAsync("livez");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.Status);
        Assert.StartsWith("Unhealthy\nbackend-connected: the Kafka producer reaches no broker", unready.Body, StringComparison.Ordinal);
        Assert.True(alive == (HttpStatusCode.OK, "Healthy"), $"/livez: {alive}");

        // Back once the producer's statistics (every 5 s) show a broker up.
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await Poll.UntilAsync(() => exporter.ProbeAsync("readyz"), p => p.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)));
    }
}
