using System.Diagnostics;
using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Faults;

/// <summary>SIGTERM while the embedded backend's subscriber never answers: exit 0 within the drain timeout.</summary>
[Trait("Category", "Fault")]
public sealed class EmbeddedShutdownTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_with_a_subscriber_that_never_answers_exits_0_within_the_drain_timeout()
    {
        var run = await SlowSubscriberShutdown.RunAsync([], output);

        // Nothing was delivered: the in-process queues go with the process (the embedded backend keeps nothing).
        Assert.Equal(0, run.Delivered);
    }
}

/// <summary>The same on RabbitMQ: the messages in flight stay in the queue (unacknowledged → ready) for the next replica.</summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class RabbitMQShutdownTests(RabbitMQFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_with_a_subscriber_that_never_answers_exits_0_and_leaves_every_message_in_the_queue()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        await SlowSubscriberShutdown.RunAsync(["--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix], output);

        var queue = await RabbitMQManagement.WaitForAsync(
            () => fixture.Management.GetQueueAsync($"{prefix}.demo.default.{LoadScenario.LoadTrigger}"),
            q => q.Unacknowledged == 0 && q.Messages == SlowSubscriberShutdown.Events,
            TimeSpan.FromSeconds(30));
        output.WriteLine($"RabbitMQ load queue after the stop: {queue}");
        Assert.Equal(SlowSubscriberShutdown.Events, queue.Messages);
        Assert.Equal(SlowSubscriberShutdown.Events, queue.Ready);
        Assert.Equal(0, queue.Acknowledged);
    }
}

/// <summary>The same on Kafka: nothing is committed past what was delivered (here: nothing), so the group reads every record again.</summary>
[Trait("Category", "Fault")]
[Collection(KafkaExporterCollection.Name)]
public sealed class KafkaShutdownTests(KafkaFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_with_a_subscriber_that_never_answers_exits_0_and_commits_nothing_undelivered()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        await SlowSubscriberShutdown.RunAsync(["--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", prefix], output);

        var offsets = fixture.Offsets($"{prefix}-broker-demo-default", $"{prefix}-trigger-demo-{LoadScenario.LoadTrigger}");
        output.WriteLine($"Kafka after the stop: high watermarks {offsets.HighWatermarks}, committed {offsets.Committed}");
        Assert.Equal(SlowSubscriberShutdown.Events, offsets.HighWatermarks);
        Assert.Equal(0, offsets.Committed);
    }
}

/// <summary>
/// The exporter as a real process, a trigger whose subscriber holds every request (never answers within
/// the test), events accepted and in flight, then SIGTERM: the process must exit 0 within
/// <see cref="DrainTimeout"/> plus a small margin, with no unhandled exception.
/// </summary>
internal static class SlowSubscriberShutdown
{
    public const int Events = 20;
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    /// <summary>What the stop left: how many events the exporter counted as delivered.</summary>
    public sealed record Result(double Delivered);

    public static async Task<Result> RunAsync(string[] backendArgs, ITestOutputHelper output)
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        subscriber.Hold();
        var ports = FreePorts.Take(2);
        string[] args = [
            "--ingress-url", $"http://127.0.0.1:{ports[0]}", "--metrics-url", $"http://127.0.0.1:{ports[1]}",
            .. LoadScenario.ExporterArgs(subscriber.Url), .. backendArgs,
            // A per-attempt timeout far past the drain timeout: the subscriber "never" answers.
            "--Broker:Triggers:5:Delivery:Timeout", "PT5M", "--Broker:DrainTimeout", $"PT{DrainTimeout.TotalSeconds}S",
        ];
        await using var exporter = await ExporterBuildOutput.StartListeningAsync(args);
        using var client = LoadScenario.NewClient();
        for (var n = 0; n < Events; n++)
        {
            using var response = await client.SendAsync(LoadScenario.Event($"http://127.0.0.1:{ports[0]}/demo/default", "stop", n));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }

        var held = await Poll.UntilAsync(() => Task.FromResult(subscriber.Arrived), r => r > 0, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));
        Assert.True(held > 0, $"no delivery reached the subscriber. Output:\n{exporter.Output}");
        using var http = new HttpClient();
        var scrape = PrometheusText.Parse(await http.GetStringAsync($"http://127.0.0.1:{ports[1]}/metrics"));
        // The trigger's attempts are in flight (held by the subscriber): its series exist, and no outcome is counted yet.
        Assert.True(scrape.Value("kn_eventing_dispatch_active", ("kn_trigger_name", LoadScenario.LoadTrigger)) > 0, "no delivery in flight in the scrape");
        var delivered = scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadScenario.LoadTrigger));

        var stopping = Stopwatch.StartNew();
        var exitCode = await exporter.StopAsync(TimeSpan.FromSeconds(60));
        var took = stopping.Elapsed;
        output.WriteLine($"{subscriber.Arrived} requests held by the subscriber, {subscriber.Received} answered; exit code {exitCode} after {took.TotalSeconds:F1} s (drain timeout {DrainTimeout.TotalSeconds} s)");

        Assert.True(exitCode == 0, $"exit code {exitCode}. Output:\n{exporter.Output}");
        Assert.DoesNotContain("Unhandled exception", exporter.Output, StringComparison.Ordinal);
        Assert.True(took < DrainTimeout + TimeSpan.FromSeconds(5), $"stopping took {took.TotalSeconds:F1} s, drain timeout {DrainTimeout.TotalSeconds} s. Output:\n{exporter.Output}");
        return new Result(delivered);
    }
}
