using System.Text.Json;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// The embedded backend's configured limit: a trigger whose subscriber does not answer fills its own queue
/// (<c>Broker:QueueCapacity</c>); then the broker answers 503 with a problem that names that trigger, counts it as
/// <c>queue_full</c>, and loses nothing it accepted.
/// </summary>
[Trait("Category", "Unit")]
public sealed class QueueCapacityTests
{
    private const string EventType = "dev.knative.test.capacity";

    [Fact]
    public async Task A_full_trigger_queue_is_a_503_naming_the_trigger_and_nothing_accepted_is_lost()
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        subscriber.Hold();
        const string Key = "--Broker:Triggers:0:";
        await using var exporter = await RunningExporter.StartAsync(
            "--players", "0", "--Broker:QueueCapacity", "5",
            Key + "Name", "stalled", Key + "Namespace", "demo", Key + "Broker", "default",
            Key + "Filter:Attributes:type", EventType, Key + "Subscriber", subscriber.Url,
            Key + "Delivery:Timeout", "PT30S");

        var statuses = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await exporter.Http.SendAsync(Event(exporter.IngressUrl, i));
            statuses.Add((int)response.StatusCode);
            if (i == 5)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Contains("trigger demo/default/stalled holds 5 of at most 5 events (Broker:QueueCapacity)", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
                Assert.Equal("1", response.Headers.RetryAfter?.ToString());
            }
        }

        Assert.Equal([202, 202, 202, 202, 202, 503], statuses);
        subscriber.Release();
        var scrape = await exporter.ScrapeUntilAsync(
            s => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "stalled"), ("kn_delivery_outcome", "delivered")) == 5,
            TimeSpan.FromSeconds(30));
        Assert.Equal(1, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "503"), ("error_type", "queue_full")));
        Assert.Equal(5, subscriber.Distinct);
    }

    private static HttpRequestMessage Event(string ingressUrl, int n) =>
        BinaryCloudEvent.Post($"{ingressUrl}/demo/default", $"capacity-{n}", EventType, "/test", "{}"u8.ToArray());
}
