using System.Net;
using Confluent.Kafka;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using RabbitMQ.Client;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// Messages that are not CloudEvents, written straight into the broker by a foreign producer, are counted
/// the same way on every broker (KnativeEventingMetrics.RecordInvalidMessage, docs/metrics.md): once in
/// kn.eventing.events.invalid per trigger consumer that reads them, no kn.eventing.deliveries outcome, and
/// acknowledged or committed past; the valid events beside them are delivered.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQInvalidMessageTests(RabbitMQFixture fixture)
{
    [Fact]
    public async Task Invalid_messages_in_rabbitmq_are_counted_per_trigger_without_an_outcome_and_acknowledged_past()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        var factory = new ConnectionFactory { Uri = fixture.AmqpUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await InvalidMessages.RunAsync(
            ["--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix],
            async body => await channel.BasicPublishAsync($"{prefix}.demo.default", string.Empty, mandatory: false, new BasicProperties { ContentType = "application/json" }, body));

        var queue = await RabbitMQManagement.WaitForAsync(
            () => fixture.Management.GetQueueAsync($"{prefix}.demo.default.{LoadScenario.LoadTrigger}"),
            q => q.Messages == 0 && q.Acknowledged == InvalidMessages.Invalid + InvalidMessages.Valid,
            TimeSpan.FromSeconds(30));
        Assert.Equal(0, queue.Messages);
        Assert.Equal(InvalidMessages.Invalid + InvalidMessages.Valid, queue.Acknowledged);
    }
}

/// <summary>The same test on Kafka.</summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaInvalidMessageTests(KafkaFixture fixture)
{
    [Fact]
    public async Task Invalid_messages_in_kafka_are_counted_per_trigger_without_an_outcome_and_committed_past()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        var topic = $"{prefix}-broker-demo-default";
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers, Acks = Acks.All }).Build();
        await InvalidMessages.RunAsync(
            ["--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", prefix],
            async body => await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = body }));

        var offsets = await Poll.UntilAsync(
            () => Task.FromResult(fixture.Offsets(topic, $"{prefix}-trigger-demo-{LoadScenario.LoadTrigger}")),
            o => o.Committed == o.HighWatermarks,
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(200));
        Assert.Equal(InvalidMessages.Invalid + InvalidMessages.Valid, offsets.HighWatermarks);
        Assert.Equal(offsets.HighWatermarks, offsets.Committed);
    }
}

/// <summary>The shared body: the exporter on a backend, valid events through the ingress, invalid messages straight into the broker.</summary>
internal static class InvalidMessages
{
    public const int Invalid = 3;
    public const int Valid = 2;

    public static async Task RunAsync(string[] backendArgs, Func<byte[], Task> writeForeignMessage)
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        await using var exporter = await RunningExporter.StartAsync([.. LoadScenario.ExporterArgs(subscriber.Url), .. backendArgs]);
        var triggers = LoadScenario.Triggers.Length; // every trigger's consumer reads every message of the broker
        await WriteAsync(exporter, writeForeignMessage);

        var scrape = await exporter.ScrapeUntilAsync(
            s => s.Sum("kn_eventing_events_invalid_total") >= Invalid * triggers && subscriber.Distinct >= Valid && s.Sum("kn_eventing_deliveries_total") >= Valid * triggers,
            TimeSpan.FromSeconds(30));

        // No CloudEvents attributes at all: the binary-mode message lacks specversion.
        Assert.Equal(["missing_attribute"], scrape.Find("kn_eventing_events_invalid_total").Select(s => s.Labels["error_type"]).Distinct());
        Assert.Equal(Invalid * triggers, scrape.Sum("kn_eventing_events_invalid_total", ("kn_broker_name", "default"), ("error_type", "missing_attribute")));
        Assert.Equal(Invalid * triggers, scrape.Sum("kn_eventing_events_invalid_total"));
        Assert.Equal(Valid, subscriber.Distinct);
        Assert.Equal(Valid, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_delivery_outcome", "delivered")));
        Assert.Equal(Valid, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger)));
        Assert.Equal(0, scrape.Sum("kn_eventing_deliveries_total", ("kn_delivery_outcome", "dropped")));
        Assert.Equal(Valid * triggers, scrape.Sum("kn_eventing_deliveries_total")); // the other triggers filter the valid ones out
        Assert.Equal(triggers, scrape.Sum("kn_eventing_trigger_consumers", ("kn_consumer_state", "running")));
    }

    /// <summary>Invalid, valid, invalid, valid, invalid: the valid events stand between foreign messages.</summary>
    private static async Task WriteAsync(RunningExporter exporter, Func<byte[], Task> writeForeignMessage)
    {
        for (var n = 0; n < Valid + Invalid; n++)
        {
            if (n % 2 == 0)
            {
                await writeForeignMessage("not a cloudevent"u8.ToArray()); // no CloudEvents attributes at all
            }
            else
            {
                using var response = await exporter.Http.SendAsync(LoadScenario.Event($"{exporter.IngressUrl}/demo/default", "between-invalid", n));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }
    }
}
