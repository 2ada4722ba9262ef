using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
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
    private readonly Counter<long> _sent;
    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _consumed;
    private readonly Histogram<double> _processDuration;

    /// <summary>Creates the instruments on a meter of the host's <paramref name="meterFactory"/>.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    public KafkaInstrumentation(IMeterFactory meterFactory)
        : this(meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)), ownsMeter: false)
    {
    }

    /// <summary>Creates the instruments on a meter of its own; dispose to remove it.</summary>
    public KafkaInstrumentation()
        : this(null, ownsMeter: true)
    {
    }

    private KafkaInstrumentation(IMeterFactory? meterFactory, bool ownsMeter)
    {
        var options = new MeterOptions(KnativeEventingMeterNames.Kafka)
        {
            Version = typeof(KafkaInstrumentation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        };
        _meter = meterFactory?.Create(options) ?? new Meter(options);
        _ownsMeter = ownsMeter;
        _sent = Counter(KafkaInstruments.SentMessages);
        _operationDuration = Histogram(KafkaInstruments.OperationDuration);
        _consumed = Counter(KafkaInstruments.ConsumedMessages);
        _processDuration = Histogram(KafkaInstruments.ProcessDuration);
        var rtt = KafkaInstruments.BrokerRoundTripTime;
        _meter.CreateObservableGauge(rtt.Name, () => Statistics.RoundTripTimes(), rtt.Unit, rtt.Description);
        var queue = KafkaInstruments.OutboundQueue;
        _meter.CreateObservableGauge(queue.Name, () => Statistics.OutboundQueues(), queue.Unit, queue.Description);
        var lag = KafkaInstruments.ConsumerLag;
        _meter.CreateObservableGauge(lag.Name, () => Statistics.ConsumerLags(), lag.Unit, lag.Description);
    }

    /// <summary>
    /// The librdkafka statistics cache behind the client gauges. Feed it from a client's statistics
    /// handler: <c>builder.SetStatisticsHandler((_, json) => instrumentation.Statistics.Observe(json))</c>
    /// with <c>statistics.interval.ms</c> set.
    /// </summary>
    public KafkaClientStatistics Statistics { get; } = new();

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

    internal void RecordConsumed(string topic, string group)
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

    internal void RecordProcess(string topic, string group, TimeSpan duration, string? errorType)
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

    private Counter<long> Counter(InstrumentDescriptor d) => _meter.CreateCounter<long>(d.Name, d.Unit, d.Description);

    private Histogram<double> Histogram(InstrumentDescriptor d) => _meter.CreateHistogram(
        d.Name,
        d.Unit,
        d.Description,
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HistogramBuckets.Seconds });
}
