using BenchmarkDotNet.Attributes;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>
/// One event end to end through the exporter's embedded broker: HTTP ingress (binary mode) → embedded
/// queue → trigger filter (six triggers, five filter it out) → dispatch over HTTP to a real subscriber,
/// awaited there. <c>Instrumented</c> runs the exporter as shipped (OpenTelemetry MeterProvider with the
/// Prometheus exporter listening to every instrument); the baseline runs the same exporter with the
/// OpenTelemetry SDK disabled (<c>OTEL_SDK_DISABLED=true</c>), so nothing listens and every recording call
/// returns at once. <c>InstrumentedWithLiveViewOpen</c> is the shipped exporter with the live view
/// (<c>GET /live/events</c>) streaming to an open page, which makes the exporter scrape itself once a second.
/// BenchmarkDotNet runs each in its own process, so they never share a meter listener.
/// </summary>
[MemoryDiagnoser]
public class EndToEndDispatchBenchmarks
{
    private static readonly byte[] Payload = """{"player":"bench","level":1,"levelScore":1}"""u8.ToArray();
    private CountingSubscriber _subscriber = null!;
    private RunningExporter _exporter = null!;
    private HttpClient _client = null!;
    private string _url = null!;
    private long _next;
    private CancellationTokenSource? _page;
    private Task? _pageReader;

    [GlobalSetup(Target = nameof(WithoutInstrumentation))]
    public Task SetupPlainAsync() => SetupAsync("--OTEL_SDK_DISABLED", "true");

    [GlobalSetup(Target = nameof(Instrumented))]
    public Task SetupInstrumentedAsync() => SetupAsync();

    [GlobalSetup(Target = nameof(InstrumentedWithLiveViewOpen))]
    public async Task SetupLiveViewAsync()
    {
        await SetupAsync();
        _page = new CancellationTokenSource();
        var stream = await _client.GetStreamAsync($"{_exporter.IngressUrl}/live/events", _page.Token);
        var reader = new StreamReader(stream);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pageReader = Task.Run(async () =>
        {
            // An open page: read every frame as it comes.
            while (await reader.ReadLineAsync(_page.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    first.TrySetResult();
                }
            }
        });
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the page really streams
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_page is not null)
        {
            await _page.CancelAsync();
            await _pageReader!.ContinueWith(_ => { }, TaskScheduler.Default);
            _page.Dispose();
        }

        _client.Dispose();
        await _exporter.DisposeAsync();
        await _subscriber.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "ingress → dispatch, SDK disabled")]
    public Task WithoutInstrumentation() => SendAndAwaitDeliveryAsync();

    [Benchmark(Description = "ingress → dispatch, instrumented")]
    public Task Instrumented() => SendAndAwaitDeliveryAsync();

    [Benchmark(Description = "ingress → dispatch, instrumented, live view open (streaming)")]
    public Task InstrumentedWithLiveViewOpen() => SendAndAwaitDeliveryAsync();

    private async Task SetupAsync(params string[] extra)
    {
        _subscriber = await CountingSubscriber.StartAsync();
        const string Key = "--Broker:Triggers:5:";
        _exporter = await RunningExporter.StartAsync([
            "--players", "0", "--Logging:LogLevel:Default", "Warning",
            Key + "Name", "bench", Key + "Namespace", "demo", Key + "Broker", "default",
            Key + "Filter:Attributes:type", "dev.knative.bench", Key + "Subscriber", _subscriber.Url,
            .. extra,
        ]);
        _client = new HttpClient();
        _url = $"{_exporter.IngressUrl}/demo/default";

        // The exporter must really be instrumented, or really not, for the ratio to mean anything.
        await SendAndAwaitDeliveryAsync();
        var scrape = await _exporter.ScrapeAsync().ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : string.Empty, TaskScheduler.Default);
        var recorded = scrape.Contains("kn_eventing_deliveries_total{", StringComparison.Ordinal);
        if (recorded != (extra.Length == 0))
        {
            throw new InvalidOperationException($"instrumentation expected {(extra.Length == 0 ? "on" : "off")}, scrape shows it {(recorded ? "on" : "off")}");
        }
    }

    private async Task SendAndAwaitDeliveryAsync()
    {
        using var message = BinaryCloudEvent.Post(_url, (++_next).ToString(System.Globalization.CultureInfo.InvariantCulture), "dev.knative.bench", "/bench", Payload);
        using var response = await _client.SendAsync(message);
        if ((int)response.StatusCode != 202)
        {
            throw new InvalidOperationException($"ingress answered {(int)response.StatusCode}");
        }

        await _subscriber.NextArrivalAsync();
    }
}
