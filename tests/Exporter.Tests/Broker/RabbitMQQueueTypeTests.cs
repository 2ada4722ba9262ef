using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using RabbitMQ.Client;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// The trigger queues' type: quorum by default, classic on request, a queue of the other kind refused at
/// startup with what to do; single active consumer gives FIFO across replicas.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQQueueTypeTests(RabbitMQFixture fixture)
{
    private readonly string _prefix = $"kem{Guid.NewGuid():N}"[..12];

    private string Queue(string trigger) => $"{_prefix}.demo.default.{trigger}";

    [Theory]
    [InlineData(null, "quorum")]
    [InlineData("classic", "classic")]
    public async Task Trigger_queues_are_declared_with_the_configured_type(string? setting, string type)
    {
        string[] args = setting is null ? [] : ["--Broker:RabbitMQQueueType", setting];
        await using var exporter = await RunningExporter.StartAsync(["--players", "0", .. Backend(), .. args]);

        var (actual, arguments) = await fixture.Management.GetQueueTypeAsync(Queue("leaderboard"));
        Assert.Equal(type, actual);
        Assert.Equal(type, arguments["x-queue-type"]);
        Assert.DoesNotContain("x-single-active-consumer", arguments.Keys);
    }

    [Fact]
    public async Task A_queue_that_exists_as_classic_stops_a_quorum_startup_with_what_to_do()
    {
        // A queue left by an exporter from before quorum queues were the default.
        var factory = new ConnectionFactory { Uri = fixture.AmqpUri };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(Queue("leaderboard"), durable: true, exclusive: false, autoDelete: false);
        }

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => RunningExporter.StartAsync(["--players", "0", .. Backend()]));

        Assert.Contains($"RabbitMQ refused to declare queue '{Queue("leaderboard")}' of trigger demo/default/leaderboard as a quorum queue", ex.Message);
        Assert.Contains("PRECONDITION_FAILED", ex.Message);
        Assert.Contains("set Broker:RabbitMQQueueType (and the trigger's SingleActiveConsumer) to what it has", ex.Message);
        Assert.Equal("classic", (await fixture.Management.GetQueueTypeAsync(Queue("leaderboard"))).Type); // left as it was
    }

    [Fact]
    public async Task A_single_active_consumer_keeps_fifo_across_two_replicas_and_hands_over_when_the_active_one_dies()
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        await using var replicas = await ExporterReplicas.StartAsync(2, [.. LoadScenario.ExporterArgs(subscriber.Url), "--Broker:Triggers:5:SingleActiveConsumer", "true", .. Backend()]);
        Assert.Equal("true", (await fixture.Management.GetQueueTypeAsync(Queue(LoadScenario.LoadTrigger))).Arguments["x-single-active-consumer"], ignoreCase: true);
        using var client = new HttpClient();

        // One producer, one event at a time, alternating between the replicas' ingresses: the queue's order is the send order.
        var first = await new IngressLoad { MaxInFlight = 1 }.RunAsync(client, 200L, n => LoadScenario.Event(replicas.Ingress((int)(n % 2)), "fifo", n));
        Assert.Equal(200, first.Answered(202));
        await Poll.UntilAsync(() => Task.FromResult(subscriber.Distinct), d => d >= 200, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
        Assert.Equal(Enumerable.Range(0, 200).Select(n => $"fifo-{n}"), subscriber.Order);

        // One replica delivered them all; the other stood by.
        var delivered = await Task.WhenAll(Enumerable.Range(0, 2).Select(async i =>
            (await replicas.ScrapeAsync(i)).Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_delivery_outcome", "delivered"))));
        Assert.Equal([0, 200], delivered.Order());

        // The active one dies: the standby becomes active and the order goes on (a message in flight at the kill comes again first).
        var active = Array.IndexOf(delivered, 200d);
        await replicas.KillAsync(active);
        var standby = 1 - active;
        var second = await new IngressLoad { MaxInFlight = 1 }.RunAsync(client, 100L, n => LoadScenario.Event(replicas.Ingress(standby), "fifo", 200 + n));
        Assert.Equal(100, second.Answered(202));
        await Poll.UntilAsync(() => Task.FromResult(subscriber.Distinct), d => d >= 300, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
        var order = subscriber.Order.Where((id, i) => i == 0 || subscriber.Order[i - 1] != id); // a redelivery repeats the last id
        Assert.Equal(Enumerable.Range(0, 300).Select(n => $"fifo-{n}"), order);
        Assert.Equal(100, (await replicas.ScrapeAsync(standby)).Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_delivery_outcome", "delivered")));
    }

    private string[] Backend() => ["--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", _prefix];
}
