using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using static Knative.Eventing.Metrics.KnativeAttributes;
using static Knative.Eventing.Metrics.MessagingAttributes;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// Owns the meter <see cref="KnativeEventingMeterNames.Kafka"/> and its instruments
/// (<see cref="KafkaInstruments"/>), including the gauges fed by librdkafka statistics. Shared by every
/// producer and consumer of a process.
/// </summary>
public sealed class KafkaInstrumentation : IDisposable
{
    private const string System = "kafka";
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly RecordingFailureLog _failures;
    private readonly Counter<long> _sent;
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _consumed;
    private readonly Histogram<double> _processDuration;
    private readonly UpDownCounter<long> _inFlight;

    /// <summary>Creates the instruments on a meter of the host's <paramref name="meterFactory"/>.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    public KafkaInstrumentation(IMeterFactory meterFactory)
        : this(meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)), ownsMeter: false, null)
    {
    }

    /// <summary>Creates the instruments on a meter of the host's <paramref name="meterFactory"/>, logging recording failures to <paramref
    /// name="logger"/>.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    /// <param name="logger">Where a failed recording is logged (once per kind); it is never thrown.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public KafkaInstrumentation(IMeterFactory meterFactory, ILogger logger)
        : this(
            meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)),
            ownsMeter: false,
            logger ?? throw new ArgumentNullException(nameof(logger)))
    {
    }

    /// <summary>Creates the instruments on a meter of its own; dispose to remove it.</summary>
    public KafkaInstrumentation()
        : this(null, ownsMeter: true, null)
    {
    }

    private KafkaInstrumentation(IMeterFactory? meterFactory, bool ownsMeter, ILogger? logger)
    {
        _failures = new RecordingFailureLog(logger ?? NullLogger.Instance);
        _meter = KnativeMeters.Create(meterFactory, KnativeEventingMeterNames.Kafka, typeof(KafkaInstrumentation), null);
        _ownsMeter = ownsMeter;
        _sent = _meter.CreateCounter(KafkaInstruments.SentMessages);
        _operationDuration = _meter.CreateHistogram(KafkaInstruments.OperationDuration);
        _consumed = _meter.CreateCounter(KafkaInstruments.ConsumedMessages);
        _processDuration = _meter.CreateHistogram(KafkaInstruments.ProcessDuration);
        _inFlight = _meter.CreateUpDownCounter(KafkaInstruments.InFlight);
        _meter.CreateObservableGauge(KafkaInstruments.BrokerRoundTripTime, () => Statistics.RoundTripTimes());
        _meter.CreateObservableGauge(KafkaInstruments.OutboundQueue, () => Statistics.OutboundQueues());
        _meter.CreateObservableGauge(KafkaInstruments.ConsumerLag, () => Statistics.ConsumerLags());
    }

    /// <summary>
    /// The librdkafka statistics cache behind the client gauges. Feed it from a client's statistics
    /// handler: <c>builder.SetStatisticsHandler((_, json) => instrumentation.Statistics.Observe(json))</c>
    /// with <c>statistics.interval.ms</c> set.
    /// </summary>
    public KafkaClientStatistics Statistics { get; } = new();

    /// <summary>How many recordings failed (and were dropped, never thrown) since the start.</summary>
    internal long RecordingFailures => _failures.Failures;

    /// <summary>Disposes the meter when this instance created it.</summary>
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal void RecordProduce(string topic, TimeSpan duration, string? errorType)
    {
        try
        {
            RecordProduceCore(topic, duration, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordProduce), ex);
        }
    }

    internal void RecordConsumed(string topic, string group)
    {
        try
        {
            RecordConsumedCore(topic, group);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordConsumed), ex);
        }
    }

    internal void RecordProcess(string topic, string group, TimeSpan duration, string? errorType)
    {
        try
        {
            RecordProcessCore(topic, group, duration, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordProcess), ex);
        }
    }

    /// <summary>Records taken (+n) or finished (-n) by a trigger consumer; 0 when it starts, so the series exists while idle.</summary>
    internal void RecordInFlight(string topic, string group, int change)
    {
        try
        {
            RecordInFlightCore(topic, group, change);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordInFlight), ex);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordInFlightCore(string topic, string group, int change)
    {
        _inFlight.Add(change, new TagList
        {
            { MessagingSystem, System },
            { MessagingDestinationName, topic },
            { ConsumerGroupName, group },
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordProduceCore(string topic, TimeSpan duration, string? errorType)
    {
        if (!_sent.Enabled && !_operationDuration.Enabled)
        {
            return; // nothing listens: no tags to build
        }

        var tags = new TagList
        {
            { MessagingSystem, System },
            { MessagingOperationName, "send" },
            { OperationType, "send" },
            { MessagingDestinationName, topic },
        };
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        _sent.Add(1, tags);
        _operationDuration.Record(duration.TotalSeconds, tags);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordConsumedCore(string topic, string group)
    {
        _consumed.Add(1, new TagList
        {
            { MessagingSystem, System },
            { MessagingOperationName, "poll" },
            { OperationType, "receive" },
            { MessagingDestinationName, topic },
            { ConsumerGroupName, group },
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a TagList built inside a try block is kept on the stack and copied
    private void RecordProcessCore(string topic, string group, TimeSpan duration, string? errorType)
    {
        var tags = new TagList
        {
            { MessagingSystem, System },
            { MessagingOperationName, "process" },
            { OperationType, "process" },
            { MessagingDestinationName, topic },
            { ConsumerGroupName, group },
        };
        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        _processDuration.Record(duration.TotalSeconds, tags);
    }
}
