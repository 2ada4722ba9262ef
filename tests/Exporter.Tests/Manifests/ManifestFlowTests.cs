using System.Net;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Manifests;

/// <summary>
/// The exporter run from Knative manifests alone: real HTTP subscribers named by <c>ref</c> and mapped with
/// <c>--resolve</c>; events sent to the ingress reach exactly the triggers whose filters Knative would pass,
/// and a trigger whose subscriber is gone retries as its broker's delivery says, then dead-letters.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ManifestFlowTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-flow-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Events_reach_the_triggers_knatives_filters_pass_and_failures_are_retried_then_dead_lettered()
    {
        await using var orders = await CountingSubscriber.StartAsync();
        await using var regional = await CountingSubscriber.StartAsync();
        await using var notEu = await CountingSubscriber.StartAsync();
        await using var deadLetters = await CountingSubscriber.StartAsync();
        var gone = $"http://127.0.0.1:{FreePorts.Take(1)[0]}/"; // nothing listens: connection refused
        var manifests = Path.Combine(_directory, "shop.yaml");
        await File.WriteAllTextAsync(manifests, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata:
              name: default
              namespace: shop
            spec:
              delivery:
                retry: 1
                backoffPolicy: linear
                backoffDelay: PT0.01S
                timeout: PT2S
                deadLetterSink:
                  ref:
                    apiVersion: serving.knative.dev/v1
                    kind: Service
                    name: dead-letters
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: big-orders
              namespace: shop
            spec:
              broker: default
              filters:
                - cesql: "type LIKE 'order.%' AND amount > 100"
              subscriber:
                ref:
                  apiVersion: serving.knative.dev/v1
                  kind: Service
                  name: orders
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: regional
              namespace: shop
            spec:
              broker: default
              filter:
                attributes:
                  region: ""
              subscriber:
                ref:
                  kind: Service
                  name: regional
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: not-eu
              namespace: shop
            spec:
              broker: default
              filters:
                - not:
                    exact:
                      region: eu
              subscriber:
                uri: {notEu.Url}
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: gone
              namespace: shop
            spec:
              broker: default
              subscriber:
                uri: {gone}
            """);

        await using var exporter = await RunningExporter.StartAsync(
            "--no-game", "--manifests", manifests,
            "--resolve", $"Service/shop/orders={orders.Url}",
            "--resolve", $"Service/shop/regional={regional.Url}",
            "--resolve", $"Service/shop/dead-letters={deadLetters.Url}");

        (string Id, string Type, string? Region, string? Amount)[] events =
        [
            ("e1", "order.created", "eu", "150"),
            ("e2", "order.created", "us", "50"),
            ("e3", "user.login", null, null),
            ("e4", "order.updated", "us", "500"),
        ];
        foreach (var (id, type, region, amount) in events)
        {
            using var request = BinaryCloudEvent.Post($"{exporter.IngressUrl}/shop/default", id, type, "/shop", "{}"u8.ToArray());
            if (region is not null)
            {
                request.Headers.Add("ce-region", region);
            }

            if (amount is not null)
            {
                request.Headers.Add("ce-amount", amount);
            }

            using var response = await exporter.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total") >= 4 * events.Length, TimeSpan.FromSeconds(30));

        Assert.Equal(["e1", "e4"], orders.Order.Order());
        Assert.Equal(["e1", "e2", "e4"], regional.Order.Order());
        Assert.Equal(["e2", "e3", "e4"], notEu.Order.Order());
        Assert.Equal(["e1", "e2", "e3", "e4"], deadLetters.Order.Order());
        Assert.Equal(4 * events.Length, scrape.Sum("kn_eventing_deliveries_total"));
        Assert.Equal(2, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "big-orders"), ("kn_delivery_outcome", "filtered")));
        Assert.Equal(1, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "regional"), ("kn_delivery_outcome", "filtered")));
        Assert.Equal(4, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "gone"), ("kn_delivery_outcome", "dead_lettered")));
        Assert.Equal(2 * 4, scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("messaging_destination_name", "trigger:gone.shop"))); // retry 1: two attempts each
    }
}
