using System.Net.Http.Headers;
using System.Threading.Channels;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.Exporter.Listening;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Live;

/// <summary>
/// The live view's source: while at least one page is open, once a second it scrapes the exporter's own
/// <c>/metrics</c> (so every number is the scrape's), builds a <see cref="LiveFrame"/> and pushes it to every
/// open page; with no page open it does nothing. A page that cannot keep up loses old frames, never the newest.
/// </summary>
internal sealed partial class LiveView(
    Listeners listeners,
    IOptions<ExporterOptions> exporter,
    IOptions<BrokerOptions> broker,
    ILogger<LiveView> logger,
    Leaderboard? leaderboard = null) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly LiveFrameBuilder _builder = new();
    private readonly Lock _gate = new();
    private readonly List<Channel<LiveFrame>> _pages = [];
    private readonly SemaphoreSlim _opened = new(0);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Pages open now.</summary>
    public int Pages
    {
        get
        {
            lock (_gate)
            {
                return _pages.Count;
            }
        }
    }

    /// <summary>Frames for one page, from the next second on, until <paramref name="cancellationToken"/>.</summary>
    public async IAsyncEnumerable<LiveFrame> SubscribeAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<LiveFrame>(
            new BoundedChannelOptions(5) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _pages.Add(channel);
        }

        _opened.Release();
        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return frame;
            }
        }
        finally
        {
            lock (_gate)
            {
                _pages.Remove(channel);
            }
        }
    }

    /// <summary>
    /// One frame now (for <c>GET /live/frame</c>): rates over the window of the streamed frames, without
    /// becoming one of them (a frame a moment after the last would make a rate over a sliver of a second).
    /// </summary>
    public async Task<LiveFrame> FrameAsync(CancellationToken cancellationToken) => await NextFrameAsync(record: false, cancellationToken);

    private async Task<LiveFrame> NextFrameAsync(bool record, CancellationToken cancellationToken)
    {
        var samples = await ScrapeAsync(cancellationToken);
        lock (_gate)
        {
            return _builder.Build(DateTimeOffset.UtcNow, samples, BackendName, Top(), record);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (Pages == 0)
            {
                await _opened.WaitAsync(stoppingToken);
                continue;
            }

            try
            {
                var frame = await NextFrameAsync(record: true, stoppingToken);
                Channel<LiveFrame>[] pages;
                lock (_gate)
                {
                    pages = [.. _pages];
                }

                foreach (var page in pages)
                {
                    page.Writer.TryWrite(frame);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogScrapeFailed(logger, ex);
            }

            await timer.WaitForNextTickAsync(stoppingToken);
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        _opened.Dispose();
        base.Dispose();
    }

    private string BackendName => Broker.Backends.BackendFactory.BrokerClass(broker.Value.Backend);

    /// <summary>The game's leaderboard; empty when the game does not run (<c>--no-game</c>).</summary>
    private List<LivePlayer> Top() => leaderboard is null ? [] : [.. leaderboard.Top(10).Select(p => new LivePlayer(p.Player, p.Score))];

    private async Task<List<ExpositionSample>> ScrapeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(
            HttpMethod.Get,
            $"{listeners.BoundUrl(ListenerRole.Metrics).TrimEnd('/')}{exporter.Value.MetricsPath}");
        if (exporter.Value.MetricsBearerToken is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return ExpositionSample.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Live view: the exporter's own /metrics could not be read")]
    private static partial void LogScrapeFailed(ILogger logger, Exception exception);
}
