using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>Operators' librdkafka properties reach the exporter's Kafka clients, seen through a real scrape.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaClientPropertiesTests(KafkaFixture fixture)
{
    [Fact]
    public async Task Common_producer_and_consumer_properties_reach_the_producer_and_every_trigger_consumer()
    {
        await using var exporter = await RunningExporter.StartAsync(
            "--players", "0", "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12],
            "--Broker:KafkaProperties:statistics.interval.ms", "200",
            "--Broker:KafkaProducerProperties:client.id", "kem-producer",
            "--Broker:KafkaConsumerProperties:client.id", "kem-consumer");
        const int Triggers = 5; // the game's five, deploy/knative/game.yaml

        // librdkafka names each client "{client.id}#{producer|consumer}-{n}"; only clients with statistics on
        // (statistics.interval.ms, the common property: 5 s by default) report within the deadline.
        var scrape = await exporter.ScrapeUntilAsync(s => ClientNames(s).Count >= Triggers + 1, TimeSpan.FromSeconds(30));
        var names = ClientNames(scrape);

        Assert.Single(names, n => n.StartsWith("kem-producer#producer-", StringComparison.Ordinal));
        Assert.Equal(Triggers, names.Count(n => n.StartsWith("kem-consumer#consumer-", StringComparison.Ordinal)));
        Assert.Equal(Triggers + 1, names.Count);
    }

    private static HashSet<string> ClientNames(PrometheusText scrape) =>
        scrape.Samples.Where(s => s.Name.StartsWith("kafka_client_outbound_queue", StringComparison.Ordinal))
            .Select(s => s.Labels["messaging_client_id"]).ToHashSet();
}
