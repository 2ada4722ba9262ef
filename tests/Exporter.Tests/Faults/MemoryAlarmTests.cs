using System.Net;
using Knative.Eventing.Metrics.Exporter.Tests.Broker;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Faults;

/// <summary>
/// A RabbitMQ memory alarm with a backlog to deliver: the ingress answers 503 while publishes are held,
/// the exporter shows its publishing connection blocked, the backlog is still delivered (consuming is not
/// blocked), and after the alarm clears the producer's retry is accepted; nothing accepted is lost.
/// </summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class MemoryAlarmTests(RabbitMQFixture fixture, ITestOutputHelper output)
{
    private const int Backlog = 200;

    [Fact]
    public async Task During_a_memory_alarm_publishes_get_503_and_the_backlog_is_still_delivered()
    {
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        await using var scenario = await LoadScenario.StartAsync(
            "--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", prefix,
            "--Broker:PublishTimeout", "PT1S", "--Broker:Triggers:5:Delivery:Timeout", "PT60S");

        // A backlog: the subscriber stalls while 200 events are accepted.
        scenario.Subscriber.Hold();
        var accepted = await new IngressLoad { MaxInFlight = 16 }.RunAsync(scenario.Client, (long)Backlog, n => scenario.Event("backlog", n));
        Assert.Equal(Backlog, accepted.Answered(202));

        HttpStatusCode duringAlarm;
        long deliveredDuringAlarm;
        PrometheusText blocked;
        await fixture.SetMemoryAlarmAsync(raised: true);
        try
        {
            // The next publish is held by RabbitMQ (its connection is now blocked): 503 after PublishTimeout.
            using (var response = await scenario.Client.SendAsync(scenario.Event("alarm", 0)))
            {
                duringAlarm = response.StatusCode;
            }

            blocked = await scenario.Exporter.ScrapeUntilAsync(s => s.Sum("rabbitmq_client_connection_blocked") == 1, TimeSpan.FromSeconds(30));
            scenario.Subscriber.Release();
            await Poll.UntilAsync(() => Task.FromResult(scenario.Subscriber.Distinct), d => d == Backlog, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
            deliveredDuringAlarm = scenario.Subscriber.Distinct;
        }
        finally
        {
            scenario.Subscriber.Release();
            await fixture.SetMemoryAlarmAsync(raised: false);
        }

        var unblocked = await scenario.Exporter.ScrapeUntilAsync(s => s.Sum("rabbitmq_client_connection_blocked") == 0, TimeSpan.FromSeconds(30));
        HttpStatusCode retried;
        using (var response = await scenario.Client.SendAsync(scenario.Event("alarm", 0)))
        {
            retried = response.StatusCode;
        }

        var scrape = await scenario.SettleAsync(Backlog + 1);
        output.WriteLine($"during the alarm: {duringAlarm}, blocked connections {blocked.Sum("rabbitmq_client_connection_blocked")}, backlog delivered {deliveredDuringAlarm} of {Backlog}; after: blocked {unblocked.Sum("rabbitmq_client_connection_blocked")}, retry {retried}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, duringAlarm);
        Assert.Equal(1, blocked.Sum("rabbitmq_client_connection_blocked"));
        Assert.Equal(Backlog, deliveredDuringAlarm);
        Assert.Equal(0, unblocked.Sum("rabbitmq_client_connection_blocked"));
        Assert.Equal(HttpStatusCode.Accepted, retried);
        Assert.Equal(1, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "503"), ("error_type", "timeout")));

        // The held publish may have been stored once the alarm cleared (the producer got 503 and retried): at least once.
        scenario.AssertNothingLost(scrape, Backlog + 1, [.. Enumerable.Range(0, Backlog).Select(n => $"backlog-{n}"), "alarm-0"], redeliveries: true);
    }
}
