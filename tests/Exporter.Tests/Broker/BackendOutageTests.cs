using System.Net;
using System.Text;
using System.Text.Json;
using Knative.Eventing.Metrics.Exporter.Tests.Hosting;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// With the RabbitMQ node down the ingress answers 503 (nothing accepted) and the replica is unready (<c>/readyz</c>
/// 503 naming the connection) but alive (<c>/livez</c> 200: a restart would not help); a producer's retry succeeds
/// once it is back, and readiness returns.
/// </summary>
[Trait("Category", "Fault")]
[Collection(RabbitMQExporterCollection.Name)]
public sealed class BackendOutageTests(RabbitMQFixture fixture)
{
    private const string Event = """{"specversion":"1.0","id":"outage-1","source":"/game/level/1","type":"dev.knative.game.score","datacontenttype":"application/json","data":{"player":"p","sessionId":"s","level":1,"levelScore":5}}""";

    [Fact]
    public async Task Backend_down_is_503_and_the_producers_retry_succeeds_later()
    {
        await using var exporter = await RunningExporter.StartAsync("--players", "0", "--backend", "rabbitmq", "--rabbitmq", fixture.AmqpUri.ToString(), "--Broker:ResourcePrefix", $"kem{Guid.NewGuid():N}"[..12]);
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(exporter));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await exporter.ProbeAsync("readyz"));

        await fixture.StopNodeAsync();
        HttpResponseMessage down;
        (HttpStatusCode Status, string Body) unready, alive;
        try
        {
            down = await exporter.Http.PostAsync($"{exporter.IngressUrl}/demo/default", new StringContent(Event, Encoding.UTF8, "application/cloudevents+json"));
            unready = await Poll.UntilAsync(() => exporter.ProbeAsync("readyz"), p => p.Status == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
            alive = await exporter.ProbeAsync("livez");
        }
        finally
        {
            await fixture.StartNodeAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.Status);
        Assert.StartsWith("Unhealthy\nbackend-connected: the RabbitMQ connection for publishing is not open", unready.Body, StringComparison.Ordinal);
        Assert.True(alive == (HttpStatusCode.OK, "Healthy"), $"/livez: {alive}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        Assert.Equal(503, JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetInt32());
        Assert.True(down.Headers.RetryAfter is not null, "a 503 tells the producer when to retry");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        var retries = 0;
        HttpStatusCode status;
        while ((status = await PostAsync(exporter)) != HttpStatusCode.Accepted && DateTime.UtcNow < deadline)
        {
            retries++;
            await Task.Delay(250); // a producer's retry backoff while the connection recovers
        }

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await Poll.UntilAsync(() => exporter.ProbeAsync("readyz"), p => p.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)));
        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "leaderboard"), ("kn_delivery_outcome", "delivered")) >= 2, TimeSpan.FromSeconds(60));
        Assert.Equal(2, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")));
        Assert.Equal(1 + retries, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "503")));
        Assert.Equal(2, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "leaderboard"), ("kn_delivery_outcome", "delivered")));
    }

    private static async Task<HttpStatusCode> PostAsync(RunningExporter exporter)
    {
        using var response = await exporter.Http.PostAsync($"{exporter.IngressUrl}/demo/default", new StringContent(Event, Encoding.UTF8, "application/cloudevents+json"));
        return response.StatusCode;
    }
}
