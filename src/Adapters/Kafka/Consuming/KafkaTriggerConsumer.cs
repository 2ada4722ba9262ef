using System.Diagnostics;
using Confluent.Kafka;
using Knative.Eventing.Metrics.CloudEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// Consumes a broker's topic for one trigger (its own consumer group) and measures it: each record is
/// decoded with the CloudEvents Kafka binding and handed to the implementer's handler with a
/// <see cref="DeliveryScope"/>; the returned final outcome is counted in <c>kn.eventing.deliveries</c>.
/// Records are handled as eventing-kafka-broker's dispatcher does (<see cref="KafkaDeliveryOrder"/>): by default many at
/// once (<see cref="KafkaConsumerOptions.MaxInFlight"/>), or one at a time per partition; either way a partition's
/// committed offset is its lowest record without a final outcome, so a crash or a rebalance redelivers, never skips
/// (at-least-once). A record that is not a valid CloudEvent is counted in <c>kn.eventing.events.invalid</c>, offered to
/// <see cref="KafkaConsumerOptions.OnInvalidMessage"/> and committed past; a handler that throws gets its record again
/// after a backoff.
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
    private readonly CancellationTokenSource _aborting = new(); // the records in hand are given up (not committed)
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InvalidMessagePolicy<ConsumeResult<byte[]?, byte[]?>> _invalidMessages;
    private readonly Task _loop;
    private readonly TriggerConsumerHealth _health;
    private readonly InFlightRecords _inFlight;
    private readonly Dictionary<TopicPartition, PartitionProgress> _partitions = []; // the loop thread's
    private readonly HashSet<TopicPartition> _pausedPartitions = []; // the loop thread's
    private readonly HashSet<TopicPartition> _newlyAssigned = []; // the loop thread's: pause state to apply afresh
    private volatile bool _fatal;
    private volatile bool _pauseRequested;
    private TaskCompletionSource? _pauseApplied;
    private volatile int _loopThread;
    private bool _userPaused;
    private string? _commitFailing; // the error of the periodic commits failing since the last one that succeeded
    private bool _saturated; // the loop thread's: unordered, at the limit for longer than SaturationGrace: partitions paused

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
        _inFlight = new InFlightRecords(instrumentation, topic, config.GroupId);
        var builder = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetOffsetsCommittedHandler((_, committed) => OnCommitted(committed))
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
    /// <exception cref="ArgumentOutOfRangeException">An interval is not positive, or <see cref="KafkaConsumerOptions.MaxInFlight"/> is not 1 to
    /// 10,000.</exception>
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
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxInFlight, 1, nameof(options.MaxInFlight));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxInFlight, 10_000, nameof(options.MaxInFlight));
        if (!Enum.IsDefined(options.DeliveryOrder))
        {
            throw new ArgumentOutOfRangeException(nameof(options.DeliveryOrder), options.DeliveryOrder, "not a KafkaDeliveryOrder");
        }
        var effective = new ConsumerConfig(new Dictionary<string, string>(config))
        {
            GroupId = options.GroupId ?? config.GroupId ?? KafkaNames.ConsumerGroup(trigger),
            EnableAutoCommit = true,
            AutoCommitIntervalMs = (int)options.CommitInterval.TotalMilliseconds,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = config.AutoOffsetReset ?? AutoOffsetReset.Earliest,

            // Incremental rebalancing unless the caller chose: with an eager assignor every rebalance revokes every
            // partition while the coordinator refuses commits (REBALANCE_IN_PROGRESS), so what was handled since the
            // last commit is redelivered on every member join or loss; cooperative-sticky moves only the partitions that
            // change owner, and commits them in the revocation (measured: docs/brokers/kafka.md, Operating).
            PartitionAssignmentStrategy = config.PartitionAssignmentStrategy ?? PartitionAssignmentStrategy.CooperativeSticky,
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

    /// <summary>Stops taking records (those in flight finish) and commits what was handled; the group keeps the partitions.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>
    /// A task that completes when the consume loop has paused the partitions (on its next turn, within about
    /// 100 ms, or a second when it waits at its in-flight limit): a record produced after that is not taken until <see cref="ResumeAsync"/>.
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
    /// Stops: takes no new record, waits up to <see cref="KafkaConsumerOptions.DrainTimeout"/> for the records in flight
    /// (records queued behind them are left unstarted), then cancels their handlers (their offsets are not stored, so the
    /// group reads them again); commits the stored offsets and leaves the group.
    /// </summary>
    /// <returns>A task that completes when the consumer stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        var clientName = _consumer.Name;
        await _stopping.CancelAsync().ConfigureAwait(false);
        var drained = _loop.ContinueWith(_ => _inFlight.WhenIdleAsync(), TaskScheduler.Default).Unwrap();
        if (await Task.WhenAny(drained, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false) != drained)
        {
            await _aborting.CancelAsync().ConfigureAwait(false);
            if (await Task.WhenAny(drained, Task.Delay(AbortGrace)).ConfigureAwait(false) != drained)
            {
                LogHandlerIgnoredCancellation(_logger, _group, AbortGrace);
            }
        }

        await _loop.ConfigureAwait(false); // never faults (RunLoop catches), ends within a turn of stopping

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
