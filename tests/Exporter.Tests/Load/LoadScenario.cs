using System.Diagnostics;
using System.Globalization;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Load;

/// <summary>
/// The exporter with one extra trigger (<c>load</c>: events of type <c>dev.knative.load.ping</c> to a real
/// HTTP subscriber) next to the game's five, which all filter the load events out. Load tests carry the
/// <c>Load</c> trait: <c>./test.sh</c> runs them after the rest of the suite, on an otherwise idle machine.
/// </summary>
internal sealed class LoadScenario : IAsyncDisposable
{
    public const string Trait = "Category";
    public const string Load = "Load";
    public const string LoadTrigger = "load";
    public const string EventType = "dev.knative.load.ping";
    public static readonly string[] Triggers = [LoadTrigger, "leaderboard", "score-audit", "level-stats", "completions", "sessions"];
    private static readonly byte[] Payload = """{"player":"load","level":1,"levelScore":1}"""u8.ToArray();

    private LoadScenario(CountingSubscriber subscriber, RunningExporter exporter, HttpClient client)
    {
        Subscriber = subscriber;
        Exporter = exporter;
        Client = client;
    }

    /// <summary>
    /// How long a load run lasts: 60 s (the issue's figure) unless <c>KEM_LOAD_SECONDS</c> says otherwise
    /// (longer soak runs, or a quick local check).
    /// </summary>
    public static TimeSpan Duration { get; } = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("KEM_LOAD_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 60);

    public CountingSubscriber Subscriber { get; }

    public RunningExporter Exporter { get; }

    /// <summary>The producer's client: pooled connections, no per-host limit (the load generator bounds what is in flight).</summary>
    public HttpClient Client { get; }

    public string IngressUrl => $"{Exporter.IngressUrl}/demo/default";

    /// <summary>Valid events sent by <see cref="WarmUpAsync"/> (ids <c>warmup-{n}</c>), included in every later accounting.</summary>
    public long WarmedUp { get; private set; }

    /// <summary>
    /// 1,000 valid events, <see cref="ProducerConnections"/> at a time, settled: the producer's connections
    /// are open and JIT and thread pool warm before anything is measured.
    /// </summary>
    public async Task WarmUpAsync()
    {
        var warmup = await new IngressLoad { MaxInFlight = ProducerConnections }.RunAsync(Client, 1000L, n => Event("warmup", WarmedUp + n));
        Assert.Equal(warmup.Requests, warmup.Answered(202));
        WarmedUp += warmup.Requests;
        await SettleAsync(0);
    }

    public static async Task<LoadScenario> StartAsync(params string[] extraArgs)
    {
        var subscriber = await CountingSubscriber.StartAsync();
        var exporter = await RunningExporter.StartAsync([.. ExporterArgs(subscriber.Url), .. extraArgs]);
        return new LoadScenario(subscriber, exporter, NewClient());
    }

    /// <summary>The exporter's arguments: no game, and the <c>load</c> trigger to <paramref name="subscriberUrl"/>.</summary>
    public static string[] ExporterArgs(string subscriberUrl)
    {
        const string Key = "--Broker:Triggers:5:";
        return [
            "--players", "0",
            Key + "Name", LoadTrigger, Key + "Namespace", "demo", Key + "Broker", "default",
            Key + "Filter:Attributes:type", EventType, Key + "Subscriber", subscriberUrl,
            Key + "Delivery:Retry", "3", Key + "Delivery:BackoffDelay", "PT0.05S", Key + "Delivery:Timeout", "PT5S",
        ];
    }

    /// <summary>Keep-alive connections a producer's client holds at most (the warm-up opens them).</summary>
    public const int ProducerConnections = 64;

    /// <summary>
    /// A producer's client: a fixed pool of keep-alive connections, as a real producer holds. An unbounded
    /// pool opens new connections in every burst, and on a loopback full of TIME_WAIT sockets from earlier
    /// tests a new connection's SYN can wait a 1 s retransmission: that measures the test's TCP stack, not
    /// the ingress.
    /// </summary>
    public static HttpClient NewClient() =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = ProducerConnections, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Load event number <paramref name="n"/> of run <paramref name="run"/>, in binary mode.</summary>
    public HttpRequestMessage Event(string run, long n) => Event(IngressUrl, run, n);

    /// <summary>Load event number <paramref name="n"/> of run <paramref name="run"/> for the broker ingress at <paramref name="brokerUrl"/>.</summary>
    public static HttpRequestMessage Event(string brokerUrl, string run, long n) =>
        BinaryCloudEvent.Post(brokerUrl, $"{run}-{n}", EventType, "/load", Payload);

    /// <summary>Scrapes until every trigger accounted for <paramref name="accepted"/> events (and the warm-up's) and no backlog is left.</summary>
    public Task<PrometheusText> SettleAsync(long accepted) =>
        Exporter.ScrapeUntilAsync(
            s => Triggers.All(t => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", t)) >= accepted + WarmedUp
                && s.Find("kn_eventing_backlog", ("kn_trigger_name", t)).Any()
                && s.Sum("kn_eventing_backlog", ("kn_trigger_name", t)) == 0),
            TimeSpan.FromSeconds(120));

    /// <summary>
    /// Settles (<see cref="SettleAsync"/>), then reads the heap while the test holds no parsed scrape: a parse
    /// of thousands of series is megabytes of the test's own labels, not the exporter's memory.
    /// </summary>
    public async Task<double> SettledHeapMiBAsync(long accepted)
    {
        _ = (await SettleAsync(accepted)).Samples.Count;
        return HeapMiB();
    }

    /// <summary>One scrape, parsed (after <see cref="SettledHeapMiBAsync"/>: the settled state the checks read).</summary>
    public async Task<PrometheusText> ScrapeAsync()
    {
        await Exporter.Metrics.RefreshBacklogAsync();
        return PrometheusText.Parse(await Exporter.ScrapeAsync());
    }

    /// <summary>
    /// Nothing accepted (<paramref name="accepted"/> events with <paramref name="acceptedIds"/>, plus the
    /// warm-up's) is lost: ingress 202s = accepted; per trigger, delivered + filtered + dead-lettered = accepted;
    /// the subscriber got every accepted id and exactly as many requests as <c>delivered</c> says. After a
    /// fault (<paramref name="redeliveries"/>) at-least-once allows an event twice: the outcomes may exceed
    /// accepted, and the subscriber's requests still equal <c>delivered</c>.
    /// </summary>
    public void AssertNothingLost(PrometheusText scrape, long accepted, IEnumerable<string> acceptedIds, bool redeliveries = false)
    {
        accepted += WarmedUp;
        acceptedIds = acceptedIds.Concat(Enumerable.Range(0, (int)WarmedUp).Select(n => $"warmup-{n}"));
        Assert.Equal(accepted, scrape.Sum("kn_eventing_ingress_duration_seconds_count", ("http_response_status_code", "202")));
        foreach (var trigger in Triggers)
        {
            var outcomes = scrape.Find("kn_eventing_deliveries_total", ("kn_trigger_name", trigger)).GroupBy(s => s.Labels["kn_delivery_outcome"]).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
            var total = outcomes.GetValueOrDefault("delivered") + outcomes.GetValueOrDefault("filtered") + outcomes.GetValueOrDefault("dead_lettered");
            Assert.True(
                redeliveries ? total >= accepted : total == accepted,
                $"{trigger}: {accepted} accepted, outcomes {string.Join(", ", outcomes.Select(o => $"{o.Key}={o.Value}"))}");
        }

        var delivered = scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", LoadTrigger), ("kn_delivery_outcome", "delivered"));
        Assert.Equal(delivered, Subscriber.Received);
        Assert.Equal(accepted, Subscriber.Distinct);
        if (!redeliveries)
        {
            Assert.Equal(accepted, delivered);
        }

        var missing = acceptedIds.Where(id => !Subscriber.Got(id)).Take(5).ToList();
        Assert.True(missing.Count == 0, $"accepted but never delivered: {string.Join(", ", missing)}");
    }

    /// <summary>The managed heap after a full collection (the exporter runs in this process), in MiB.</summary>
    public static double HeapMiB()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true) / 1024.0 / 1024.0;
    }

    public static double WorkingSetMiB()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1024.0 / 1024.0;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Exporter.DisposeAsync();
        await Subscriber.DisposeAsync();
    }
}
