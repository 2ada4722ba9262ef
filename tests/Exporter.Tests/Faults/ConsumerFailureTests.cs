using System.Net;
using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Faults;

/// <summary>
/// A trigger's consumer killed on RabbitMQ (its queue deleted: RabbitMQ cancels the consumer; the queue
/// then declared again, as an operator restoring it would): the scrape shows the failed consumer, /healthz
/// is unhealthy naming the trigger, and the backlog of the restored queue is still reported while events
/// pile up in it.
/// </summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class ConsumerFailureTests(RabbitMQFixture fixture, ITestOutputHelper output)
{
    private const int Events = 20;

    [Fact]
    public async Task A_cancelled_trigger_consumer_shows_in_the_metric_health_and_a_growing_backlog()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        var queue = $"{prefix}.demo.default.{LoadScenario.LoadTrigger}";
        await using var subscriber = await CountingSubscriber.StartAsync();
        await using var exporter = await RunningExporter.StartAsync([
            .. LoadScenario.ExporterArgs(subscriber.Url), "--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix,
            "--KnativeEventing:Metrics:BacklogRefreshInterval", "00:00:00.500"]);
        var healthy = await exporter.ScrapeUntilAsync(s => s.Find("kn_eventing_trigger_consumers", ("kn_trigger_name", LoadScenario.LoadTrigger)).Any(), TimeSpan.FromSeconds(10));
        Assert.Equal(1, healthy.Sum("kn_eventing_trigger_consumers", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_consumer_state", "running")));
        Assert.Equal(0, healthy.Sum("kn_eventing_trigger_consumers", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_consumer_state", "failed")));
        Assert.Equal("Healthy", await exporter.Http.GetStringAsync($"{exporter.IngressUrl}/healthz"));

        var factory = new ConnectionFactory { Uri = fixture.AmqpUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(queue);
        }

        var failed = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_trigger_consumers", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_consumer_state", "failed")) == 1, TimeSpan.FromSeconds(10));
        using var health = await exporter.Http.GetAsync($"{exporter.IngressUrl}/healthz");
        var body = await health.Content.ReadAsStringAsync();
        output.WriteLine(body);

        Assert.Equal(1, failed.Sum("kn_eventing_trigger_consumers", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_consumer_state", "failed")));
        Assert.Equal(0, failed.Sum("kn_eventing_trigger_consumers", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_consumer_state", "running")));
        Assert.Equal(5, failed.Sum("kn_eventing_trigger_consumers", ("kn_consumer_state", "running"))); // the game's five triggers still consume
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.StartsWith("Unhealthy\n", body, StringComparison.Ordinal);
        Assert.Contains($"trigger demo/default/{LoadScenario.LoadTrigger}: consumer failed: RabbitMQ cancelled the consumer of queue '{queue}'", body, StringComparison.Ordinal);

        // The operator restores the queue; nobody consumes it until the exporter restarts, and the backlog shows it.
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(queue, $"{prefix}.demo.default", string.Empty);
        }

        for (var n = 0; n < Events; n++)
        {
            using var response = await exporter.Http.SendAsync(LoadScenario.Event($"{exporter.IngressUrl}/demo/default", "dead-consumer", n));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var piled = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_backlog", ("kn_trigger_name", LoadScenario.LoadTrigger)) == Events, TimeSpan.FromSeconds(15));
        var stats = await RabbitMQManagement.WaitForAsync(() => fixture.Management.GetQueueAsync(queue), q => q.Messages == Events, TimeSpan.FromSeconds(15));

        Assert.Equal(Events, piled.Sum("kn_eventing_backlog", ("kn_trigger_name", LoadScenario.LoadTrigger)));
        Assert.Equal(Events, stats.Messages);
        Assert.Equal(0, subscriber.Arrived);
        Assert.Equal(1, piled.Sum("kn_eventing_trigger_consumers", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_consumer_state", "failed")));
    }
}
