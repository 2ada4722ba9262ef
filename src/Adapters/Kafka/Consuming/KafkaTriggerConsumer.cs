using System.Diagnostics;
using Confluent.Kafka;
using Knative.Eventing.Metrics.CloudEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// Consumes a broker's topic for one trigger (its own consumer group) and measures it: each record is
/// decoded with the CloudEvents Kafka binding and handed to the implementer's handler with a
/// <see cref="DeliveryScope"/>; the returned final outcome is counted in <c>kn.eventing.deliveries</c> and
/// only then is the record's offset stored for commit (at-least-once). A record that is not a valid
/// CloudEvent is counted in <c>kn.eventing.events.invalid</c>, offered to
/// <see cref="KafkaConsumerOptions.OnInvalidMessage"/> and committed past; a handler that throws gets its
/// record again after a backoff. Records are handled one at a time, in partition order.
/// </summary>
public sealed partial class KafkaTriggerConsumer : IAsyncDisposable
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly TriggerRef _trigger;
    private readonly string _topic;
    private readonly string _group;
    private readonly Func<KafkaDelivery, CancellationToken, Task<DeliveryOutcome>> _handler;
    private readonly KnativeEventingMetrics _metrics;
    private readonly KafkaInstrumentation _instrumentation;
    private readonly KafkaConsumerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new(); // no new records
    private readonly CancellationTokenSource _aborting = new(); // the record in hand is given up (not committed)
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InvalidMessagePolicy<ConsumeResult<byte[]?, byte[]?>> _invalidMessages;
    private readonly Task _loop;
    private readonly TriggerConsumerHealth _health;
    private volatile bool _fatal;
    private volatile bool _pauseRequested;
    private TaskCompletionSource? _pauseApplied;
    private volatile int _loopThread;
    private bool _paused;

    private KafkaTriggerConsumer(
        ConsumerConfig config,
        TriggerRef trigger,
        string topic,
        Func<KafkaDelivery, CancellationToken, Task<DeliveryOutcome>> handler,
        KnativeEventingMetrics metrics,
        KafkaInstrumentation instrumentation,
        KafkaConsumerOptions options,
        ILogger logger)
    {
        _trigger = trigger;
        _topic = topic;
        _group = config.GroupId;
        _handler = handler;
        _metrics = metrics;
        _instrumentation = instrumentation;
        _options = options;
        _logger = logger;
        _invalidMessages = new(metrics, trigger, options.OnInvalidMessage, logger, $"Consumer group {config.GroupId}");
        _health = metrics.RegisterConsumer(trigger);
        var builder = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                LogAssigned(_logger, _group, partitions.Count);
                _assigned.TrySetResult();
            })
            .SetPartitionsRevokedHandler((_, partitions) =>
            {
                LogRevoked(_logger, _group, partitions.Count);

                // Commit what was handled before the partitions move, so their next owner starts after it
                // instead of at the last interval commit (fewer redeliveries on every rebalance).
                CommitStored();
            })
            .SetErrorHandler((_, error) =>
            {
                LogClientError(_logger, _group, KafkaErrorNames.Of(error.Code), error.Reason);
                if (error.IsFatal)
                {
                    // librdkafka's fatal errors leave the client unusable: the trigger gets nothing until a restart.
                    _fatal = true;
                    _health.MarkFailed(null, $"fatal librdkafka error {KafkaErrorNames.Of(error.Code)}: {error.Reason}");
                }
            });
        if (config.StatisticsIntervalMs is > 0)
        {
            builder.SetStatisticsHandler((_, json) => _instrumentation.Statistics.Observe(json));
        }

        try
        {
            _consumer = builder.Build();
        }
        catch
        {
            _health.Dispose(); // never started: not a consumer to count
            throw;
        }

        _loop = Task.Factory.StartNew(RunLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The consumer group.</summary>
    public string GroupId => _group;

    /// <summary>The topic consumed.</summary>
    public string Topic => _topic;

    /// <summary>Completes when the group first assigned partitions to this consumer.</summary>
    public Task Assigned => _assigned.Task;

    /// <summary>Whether consuming is paused.</summary>
    public bool IsPaused => _pauseRequested;

    /// <summary>Starts consuming the broker's topic for <paramref name="trigger"/> in the trigger's consumer group.</summary>
    /// <param name="config">Client configuration (bootstrap servers, security, …); group, commit and offset-store settings are set here.</param>
    /// <param name="trigger">The trigger.</param>
    /// <param name="handler">Filters and delivers one event, reporting through the delivery's scope; returns the final outcome.</param>
    /// <param name="metrics">The uniform instruments.</param>
    /// <param name="instrumentation">The Kafka transport instruments.</param>
    /// <param name="options">Options (the topic, group, commit interval, decoding, …); defaults when null.</param>
    /// <param name="logger">Diagnostics; null for none.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The running consumer; dispose it to stop (stored offsets are committed, the group is left).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The librdkafka loaded is older than Confluent.Kafka needs (<see
    /// cref="KafkaNativeLibrary.EnsureLoaded"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An interval is not positive.</exception>
    public static Task<KafkaTriggerConsumer> StartAsync(
        ConsumerConfig config,
        TriggerRef trigger,
        Func<KafkaDelivery, CancellationToken, Task<DeliveryOutcome>> handler,
        KnativeEventingMetrics metrics,
        KafkaInstrumentation instrumentation,
        KafkaConsumerOptions? options = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(instrumentation);
        cancellationToken.ThrowIfCancellationRequested();
        KafkaNativeLibrary.EnsureLoaded();
        options ??= new KafkaConsumerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CommitInterval, TimeSpan.Zero, nameof(options.CommitInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HandlerRetryBackoff, TimeSpan.Zero, nameof(options.HandlerRetryBackoff));
        ArgumentNullException.ThrowIfNull(options.Formatter, nameof(options.Formatter));
        var effective = new ConsumerConfig(new Dictionary<string, string>(config))
        {
            GroupId = options.GroupId ?? config.GroupId ?? KafkaNames.ConsumerGroup(trigger),
            EnableAutoCommit = true,
            AutoCommitIntervalMs = (int)options.CommitInterval.TotalMilliseconds,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = config.AutoOffsetReset ?? AutoOffsetReset.Earliest,
        };
        var topic = options.Topic ?? KafkaNames.Topic(trigger.Broker);
        return Task.FromResult(new KafkaTriggerConsumer(
            effective,
            trigger,
            topic,
            handler,
            metrics,
            instrumentation,
            options,
            logger ?? NullLogger.Instance));
    }

    /// <summary>Stops taking records (the record in hand finishes) and commits what was handled; the group keeps the partitions.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>
    /// A task that completes when the consume loop has paused the partitions (on its next turn, within about
    /// 100 ms, after the record in hand): a record produced after that is not taken until <see cref="ResumeAsync"/>.
    /// </returns>
    public Task PauseAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _pauseApplied, applied)?.TrySetResult();
        _pauseRequested = true;
        if (_loop.IsCompleted || Environment.CurrentManagedThreadId == _loopThread)
        {
            // No loop to wait for; or called by a handler on the loop itself, whose next turn pauses before any record.
            applied.TrySetResult();
        }

        return applied.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Takes records again.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the request is made.</returns>
    public Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _pauseRequested = false;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops: takes no new record, waits up to <see cref="KafkaConsumerOptions.DrainTimeout"/> for the record in
    /// hand, then cancels its handler (its offset is not stored, so the group reads it again); commits the stored
    /// offsets and leaves the group.
    /// </summary>
    /// <returns>A task that completes when the consumer stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        var clientName = _consumer.Name;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (await Task.WhenAny(_loop, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false) != _loop)
        {
            await _aborting.CancelAsync().ConfigureAwait(false);
            if (await Task.WhenAny(_loop, Task.Delay(AbortGrace)).ConfigureAwait(false) != _loop)
            {
                LogHandlerIgnoredCancellation(_logger, _group, AbortGrace);
            }
        }

        try
        {
            _consumer.Close();
        }
        catch (KafkaException ex)
        {
            LogCloseFailed(_logger, _group, ex);
        }

        _instrumentation.Statistics.Forget(clientName);
        _health.Dispose();
        _consumer.Dispose();
        _stopping.Dispose();
        _aborting.Dispose();
    }

    /// <summary>How long stopping waits for a cancelled handler to return.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(2);

    /// <summary>This consumer's state as <c>kn.eventing.trigger.consumers</c> reports it.</summary>
    public ConsumerState State => _health.State;
}
