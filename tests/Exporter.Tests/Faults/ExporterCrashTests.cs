using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Faults;

/// <summary>The exporter process killed (SIGKILL) mid-flow on RabbitMQ and started again: every event it answered 202 is delivered (durable queues, persistent messages, publisher confirms).</summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQExporterCrashTests(RabbitMQFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_exporter_on_rabbitmq_loses_nothing_it_accepted()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        var accepted = await ExporterCrash.RunAsync(["--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix], output);

        var queue = await RabbitMQManagement.WaitForAsync(
            () => fixture.Management.GetQueueAsync($"{prefix}.demo.default.{LoadScenario.LoadTrigger}"),
            q => q.Messages == 0 && q.Published >= accepted && q.Acknowledged == q.Published,
            TimeSpan.FromSeconds(30));
        output.WriteLine($"RabbitMQ load queue: {queue}");
        Assert.Equal(0, queue.Messages);
        Assert.True(queue.Published >= accepted, $"{queue.Published} routed for {accepted} accepted");
        Assert.Equal(queue.Published, queue.Acknowledged);
    }
}

/// <summary>The same crash on Kafka: every event answered 202 is delivered (committed offsets; redelivery from the last commit).</summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaExporterCrashTests(KafkaFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_exporter_on_kafka_loses_nothing_it_accepted()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        // The killed exporter's consumers stay group members until their session times out (librdkafka's
        // 45 s by default): an operator who wants a faster takeover shortens it, as here.
        var accepted = await ExporterCrash.RunAsync(
            ["--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", prefix, "--Broker:KafkaConsumerProperties:session.timeout.ms", "6000", "--Broker:KafkaConsumerProperties:heartbeat.interval.ms", "1000"],
            output);

        var topic = $"{prefix}-broker-demo-default";
        var offsets = await Poll.UntilAsync(
            () => Task.FromResult(fixture.Offsets(topic, $"{prefix}-trigger-demo-{LoadScenario.LoadTrigger}")),
            o => o.Committed == o.HighWatermarks,
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(250));
        output.WriteLine($"Kafka: high watermarks {offsets.HighWatermarks}, committed {offsets.Committed}");
        Assert.True(offsets.HighWatermarks >= accepted, $"{offsets.HighWatermarks} stored for {accepted} accepted");
        Assert.Equal(offsets.HighWatermarks, offsets.Committed);
    }
}

/// <summary>Producers at 300 events/s against the exporter as a real process, killed mid-flow and restarted on the same ports.</summary>
internal static class ExporterCrash
{
    /// <summary>Runs the crash; returns how many events were accepted (202), all of them shown delivered.</summary>
    public static async Task<long> RunAsync(string[] backendArgs, ITestOutputHelper output)
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        var ports = FreePorts.Take(2);
        string[] args = [
            "--ingress-url", $"http://127.0.0.1:{ports[0]}", "--metrics-url", $"http://127.0.0.1:{ports[1]}",
            .. LoadScenario.ExporterArgs(subscriber.Url), .. backendArgs,
        ];
        var brokerUrl = $"http://127.0.0.1:{ports[0]}/demo/default";
        var metricsUrl = $"http://127.0.0.1:{ports[1]}/metrics";
        using var client = LoadScenario.NewClient();

        ChildProcess first = await ExporterBuildOutput.StartListeningAsync(args);
        Task<LoadReport> load;
        long receivedAtKill;
        try
        {
            load = new IngressLoad().RunAsync(client, 300, TimeSpan.FromSeconds(10), n => LoadScenario.Event(brokerUrl, "crash", n));
            var warmed = await Poll.UntilAsync(() => Task.FromResult(subscriber.Received), r => r >= 600 || load.IsCompleted, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));
            Assert.True(warmed >= 600, $"only {warmed} deliveries before the crash");
            Assert.False(load.IsCompleted, "the load ended before the crash");
            await first.KillAsync();
            // Requests the killed process had already written may still be read by the subscriber; they are
            // the first process's deliveries. Once its connections are closed, nothing of it is left to count.
            Assert.Equal(0, await Poll.UntilAsync(() => Task.FromResult(subscriber.OpenConnections), n => n == 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10)));
            receivedAtKill = subscriber.Received;
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = await ExporterBuildOutput.StartListeningAsync(args);
        var report = await load;
        using var http = new HttpClient();
        var scrape = await Poll.UntilAsync(
            async () => PrometheusText.Parse(await http.GetStringAsync(metricsUrl)),
            s => subscriber.Distinct >= report.Requests && LoadScenario.Triggers.All(t => s.Find("kn_eventing_backlog", ("kn_trigger_name", t)).Any() && s.Sum("kn_eventing_backlog", ("kn_trigger_name", t)) == 0),
            TimeSpan.FromSeconds(90),
            TimeSpan.FromMilliseconds(250));
        output.WriteLine($"killed after {receivedAtKill} deliveries; {report}; attempts without an answer {report.Attempted(0)}, 503 {report.Attempted(503)}");
        output.WriteLine($"subscriber: {subscriber.Received} requests, {subscriber.Distinct} distinct events; the restarted exporter delivered {scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_delivery_outcome", "delivered"))}");

        Assert.Equal(0, report.Failures);
        Assert.Equal(report.Requests, report.Answered(202));
        Assert.True(report.Attempted(0) > 0, "the producers saw the crash");
        var missing = Enumerable.Range(0, (int)report.Requests).Select(n => $"crash-{n}").Where(id => !subscriber.Got(id)).Take(5).ToList();
        Assert.True(missing.Count == 0, $"accepted but never delivered: {string.Join(", ", missing)}");
        Assert.Equal(report.Requests, subscriber.Distinct);
        Assert.Equal(subscriber.Received - receivedAtKill, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger), ("kn_delivery_outcome", "delivered")));
        var acceptedBySecond = scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202"));
        Assert.InRange(acceptedBySecond, 1, report.Requests);
        return report.Requests;
    }
}
