using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Listening;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Knative.Eventing.Metrics.Exporter.Game;

/// <summary>
/// Simulated players of the Knative Functions quiz game: each opens a session (<c>dev.knative.game.start</c>)
/// and answers levels, each level posting a <c>GameScoreEvent</c> (<c>dev.knative.game.score</c>, source
/// <c>/game/level/{n}</c>) to the broker's ingress over HTTP, like the game's level functions do. A 503 is
/// retried (Polly), as a producer should.
/// </summary>
internal sealed partial class GameSimulator(
    IOptions<GameOptions> options,
    Listeners listeners,
    IHostApplicationLifetime lifetime,
    IHttpClientFactory httpClients,
    ILogger<GameSimulator> logger) : BackgroundService
{
    private static readonly JsonEventFormatter Formatter = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sent;
    private long _scores;
    private long _scoreSum;
    private long _failed;

    /// <summary>Events the ingress accepted (202).</summary>
    public long EventsSent => Interlocked.Read(ref _sent);

    /// <summary>Score events accepted.</summary>
    public long ScoreEvents => Interlocked.Read(ref _scores);

    /// <summary>The sum of the scores accepted.</summary>
    public long ScoreSum => Interlocked.Read(ref _scoreSum);

    /// <summary>Events given up after retries.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Completes when <see cref="GameOptions.MaxEvents"/> were sent (or the game stopped).</summary>
    public Task Finished => _finished.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var game = options.Value;
        if (game.Players <= 0)
        {
            _finished.TrySetResult();
            return;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }

        var ingress = new Uri($"{listeners.BoundUrl(ListenerRole.Ingress)}/{game.Namespace}/{game.Broker}");
        var http = httpClients.CreateClient(nameof(GameSimulator));
        var retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 5,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = args =>
                    ValueTask.FromResult(args.Outcome.Exception is HttpRequestException || (int?)args.Outcome.Result?.StatusCode == 503),
            })
            .Build();
        var perPlayerDelay = TimeSpan.FromSeconds(game.Players / Math.Max(0.01, game.Rate));
        LogStarted(logger, game.Players, game.Rate, ingress.ToString());
        try
        {
            await Task.WhenAll(Enumerable.Range(
                1,
                game.Players).Select(p => PlayAsync($"player-{p}", game, ingress, http, retry, perPlayerDelay, stoppingToken))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    private async Task PlayAsync(
        string player,
        GameOptions game,
        Uri ingress,
        HttpClient http,
        ResiliencePipeline<HttpResponseMessage> retry,
        TimeSpan delay,
        CancellationToken stoppingToken)
    {
        var random = new Random(player.GetHashCode(StringComparison.Ordinal));
        using var timer = new PeriodicTimer(delay);
        for (var session = 1; !stoppingToken.IsCancellationRequested; session++)
        {
            var sessionId = $"{player}-{session}";
            for (var level = 0; level <= game.Levels; level++)
            {
                if (!TryReserve(game))
                {
                    return;
                }

                var score = level == 0 ? 0 : random.Next(0, 101);
                var cloudEvent = level == 0
                    ? Event("dev.knative.game.start", "/game/start", new { player, sessionId })
                    : Event(
                        "dev.knative.game.score",
                        $"/game/level/{level}",
                        new { player, sessionId, level, levelScore = score, time = DateTimeOffset.UtcNow });
                if (await SendAsync(http, retry, ingress, cloudEvent, stoppingToken).ConfigureAwait(false) && level > 0)
                {
                    Interlocked.Increment(ref _scores);
                    Interlocked.Add(ref _scoreSum, score);
                }

                await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private bool TryReserve(GameOptions game)
    {
        if (game.MaxEvents is not { } max)
        {
            return true;
        }

        return Interlocked.Increment(ref _reserved) <= max;
    }

    private long _reserved;

    private async Task<bool> SendAsync(
        HttpClient http,
        ResiliencePipeline<HttpResponseMessage> retry,
        Uri ingress,
        CloudEvent cloudEvent,
        CancellationToken stoppingToken)
    {
        try
        {
            using var response = await retry.ExecuteAsync(
                async ct => await http.PostAsync(ingress, cloudEvent.ToHttpContent(ContentMode.Binary, Formatter), ct).ConfigureAwait(false),
                stoppingToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _sent);
                return true;
            }
        }
        catch (HttpRequestException)
        {
        }

        Interlocked.Increment(ref _failed);
        return false;
    }

    private static CloudEvent Event(string type, string source, object data) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Source = new Uri(source, UriKind.Relative),
        Type = type,
        Time = DateTimeOffset.UtcNow,
        DataContentType = "application/json",
        Data = System.Text.Json.JsonSerializer.SerializeToElement(data),
    };

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Game: {Players} players at {Rate} events/s posting to {Ingress}")]
    private static partial void LogStarted(ILogger logger, int players, double rate, string ingress);
}
