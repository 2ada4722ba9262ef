using System.Collections.Concurrent;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.Exporter.Tests.Dispatch;

/// <summary>
/// A trigger's parallelism bounds the attempts in flight to its subscriber, not the events waiting for a
/// retry: with parallelism 2, two events in a long backoff leave both slots to the events behind them; with
/// parallelism 1 (in order) the trigger keeps its one slot through the backoff and delivers in queue order.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RetryBackoffSlotTests
{
    private const string EventType = "dev.knative.test.retry";
    private static readonly string[] Ids = ["slow-1", "slow-2", "fast-1", "fast-2", "fast-3", "fast-4"];

    [Fact]
    public async Task Events_waiting_for_a_retry_leave_the_trigger_slots_to_the_events_behind_them()
    {
        var arrivals = await DeliverAsync(parallelism: 2);

        // Every fast event got through while both slow ones waited out their 2 s backoff.
        var firstRetry = arrivals.IndexOf("slow-1", arrivals.IndexOf("slow-1") + 1);
        var secondRetry = arrivals.IndexOf("slow-2", arrivals.IndexOf("slow-2") + 1);
        Assert.All(Ids.Where(id => id.StartsWith("fast", StringComparison.Ordinal)), id => Assert.True(
            arrivals.IndexOf(id) < Math.Min(firstRetry, secondRetry),
            $"{id} waited for a retry's backoff: {string.Join(", ", arrivals)}"));
    }

    [Fact]
    public async Task An_ordered_trigger_keeps_its_slot_through_the_backoff()
    {
        var arrivals = await DeliverAsync(parallelism: 1);

        Assert.Equal(["slow-1", "slow-1", "slow-2", "slow-2", "fast-1", "fast-2", "fast-3", "fast-4"], arrivals);
    }

    /// <summary>
    /// Posts the six events (the slow ones first) to a trigger whose subscriber answers 503 to the first attempt
    /// of each slow event; waits until all are delivered (8 attempts) and returns the attempts in arrival order.
    /// </summary>
    private static async Task<List<string>> DeliverAsync(int parallelism)
    {
        await using var subscriber = await FailingFirstSubscriber.StartAsync();
        const string Key = "--Broker:Triggers:0:";
        await using var exporter = await RunningExporter.StartAsync(
            "--players", "0",
            Key + "Name", "retrying", Key + "Namespace", "demo", Key + "Broker", "default",
            Key + "Filter:Attributes:type", EventType, Key + "Subscriber", subscriber.Url,
            Key + "Parallelism", parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Key + "Delivery:Retry", "1", Key + "Delivery:BackoffDelay", "PT2S", Key + "Delivery:Timeout", "PT5S");
        foreach (var id in Ids)
        {
            using var request = BinaryCloudEvent.Post($"{exporter.IngressUrl}/demo/default", id, EventType, "/test", "{}"u8.ToArray());
            using var response = await exporter.Http.SendAsync(request);
            Assert.Equal(202, (int)response.StatusCode);
        }

        var scrape = await exporter.ScrapeUntilAsync(
            s => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "retrying"), ("kn_delivery_outcome", "delivered")) == Ids.Length,
            TimeSpan.FromSeconds(30));
        Assert.Equal(8, scrape.Sum("kn_eventing_dispatch_duration_seconds_count", ("kn_trigger_name", "retrying")));
        return subscriber.Arrivals;
    }

    /// <summary>A subscriber on 127.0.0.1 that answers 503 to the first attempt of every <c>slow-*</c> event, 200 otherwise, and logs every attempt's id.</summary>
    private sealed class FailingFirstSubscriber : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<string> _arrivals;

        private FailingFirstSubscriber(WebApplication app, ConcurrentQueue<string> arrivals)
        {
            _app = app;
            _arrivals = arrivals;
        }

        public string Url => _app.Urls.Single() + "/";

        public List<string> Arrivals => [.. _arrivals];

        public static async Task<FailingFirstSubscriber> StartAsync()
        {
            var arrivals = new ConcurrentQueue<string>();
            var failed = new ConcurrentDictionary<string, bool>();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapPost("/", (HttpContext context) =>
            {
                var id = context.Request.Headers["ce-id"].ToString();
                arrivals.Enqueue(id);
                return id.StartsWith("slow", StringComparison.Ordinal) && failed.TryAdd(id, true) ? Results.StatusCode(503) : Results.Ok();
            });
            await app.StartAsync();
            return new FailingFirstSubscriber(app, arrivals);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
