using System.Net;
using System.Text;
using System.Text.Json;
using Knative.Eventing.Metrics.Exporter.Tests.Hosting;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>The ingress's answers to good and bad requests, and that every rejection is counted.</summary>
[Trait("Category", "Unit")]
public sealed class IngressTests
{
    private const string Valid = """{"specversion":"1.0","id":"1","source":"/game/level/1","type":"dev.knative.game.score","datacontenttype":"application/json","data":{"player":"p","sessionId":"s","level":1,"levelScore":7}}""";

    public static TheoryData<string, string, string, int, string?> Cases() => new()
    {
        { "unknown broker", "/demo/nope", Valid, 404, null },
        { "missing id", "/demo/default", Valid.Replace("\"id\":\"1\",", string.Empty), 400, "missing_attribute" },
        { "unknown specversion", "/demo/default", Valid.Replace("1.0", "0.3"), 400, "invalid_specversion" },
        { "malformed JSON", "/demo/default", "{\"specversion\":", 400, "malformed" },
        { "too large", "/demo/default", Valid.Replace("\"p\"", $"\"{new string('p', 3000)}\""), 413, "too_large" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_requests_get_their_status_as_problem_json_and_are_counted(string name, string path, string body, int status, string? reason)
    {
        await using var exporter = await RunningExporter.StartAsync("--players", "0", "--Broker:MaxEventBytes", "2048");
        using var content = new StringContent(body, Encoding.UTF8, "application/cloudevents+json");

        using var response = await exporter.Http.PostAsync($"{exporter.IngressUrl}{path}", content);

        Assert.True(status == (int)response.StatusCode, $"{name}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        var scrape = PrometheusText.Parse(await exporter.ScrapeAsync());
        if (reason is null)
        {
            Assert.Equal(0, scrape.Sum("kn_eventing_events_invalid_total"));
            Assert.DoesNotContain(scrape.Samples, s => s.Labels.Values.Contains("nope")); // an unknown broker name never becomes a label
        }
        else
        {
            Assert.Equal(1, scrape.Sum("kn_eventing_events_invalid_total", ("error_type", reason), ("kn_broker_name", "default")));
            Assert.Equal(1, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", status.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("error_type", "invalid_cloudevent")));
        }

        using var ok = new StringContent(Valid, Encoding.UTF8, "application/cloudevents+json");
        Assert.Equal(HttpStatusCode.Accepted, (await exporter.Http.PostAsync($"{exporter.IngressUrl}/demo/default", ok)).StatusCode);
    }

    [Fact]
    public async Task The_ingress_is_not_served_on_the_metrics_listener()
    {
        await using var exporter = await RunningExporter.StartAsync("--players", "0");
        using var content = new StringContent(Valid, Encoding.UTF8, "application/cloudevents+json");

        using var response = await exporter.Http.PostAsync($"{exporter.MetricsUrl}/demo/default", content);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
