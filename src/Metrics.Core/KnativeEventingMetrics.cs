using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics;

/// <summary>
/// Owns the meter <see cref="KnativeEventingMeterNames.Core"/> and the <c>kn.eventing.*</c>
/// instruments of <see cref="KnativeEventingInstruments"/>, and records them for a broker
/// implementation. Every recording method is thread-safe, allocates nothing for known attribute
/// values, carries at most 8 attributes, and never throws: a failure is logged once and dropped.
/// </summary>
public sealed partial class KnativeEventingMetrics : IDisposable
{
    /// <summary>
    /// The most attributes one measurement of an accepted event or a delivery carries (the <c>TagList</c> inline size, so
    /// recording allocates nothing); only a refusal by an EventPolicy (<see cref="RecordIngressRefused"/>) carries one more.
    /// </summary>
    public const int MaxAttributesPerMeasurement = 8;

    private const int MaxErrorTypes = 64;

    /// <summary>Distinct <c>kn.eventpolicy.name</c> values kept per process; later ones become <c>_other</c>.</summary>
    private const int MaxEventPolicies = 100;

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _ingressDuration;
    private readonly Histogram<double> _processDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _dispatchDuration;
    private readonly Counter<long> _deliveries;
    private readonly UpDownCounter<long> _dispatchActive;
    private readonly Counter<long> _eventsInvalid;
    private readonly CardinalityGuard? _eventSources;
    private readonly CardinalityGuard _errorTypes;
    private readonly CardinalityGuard _policies;
    private readonly BacklogMonitor _backlog;
    private readonly ConsumerHealthMonitor _consumers = new();
    private readonly RecordingFailureLog _failures;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/> (the dependency-injection path).</summary>
    /// <param name="meterFactory">The meter factory of the host.</param>
    /// <param name="options">The options.</param>
    /// <param name="logger">Diagnostics; optional.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names the option.</exception>
    public KnativeEventingMetrics(
        IMeterFactory meterFactory,
        IOptions<KnativeEventingMetricsOptions> options,
        ILogger<KnativeEventingMetrics>? logger)
        : this(options?.Value!, meterFactory, logger)
    {
    }

    /// <summary>Creates the instruments with default options on a meter of its own (without dependency injection); dispose to remove it.</summary>
    public KnativeEventingMetrics()
        : this(new KnativeEventingMetricsOptions(), null, null)
    {
    }

    /// <summary>Creates the instruments on a meter of its own (without dependency injection); dispose to remove it.</summary>
    /// <param name="options">The options.</param>
    /// <param name="logger">Diagnostics; null for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names the option.</exception>
    public KnativeEventingMetrics(KnativeEventingMetricsOptions options, ILogger? logger)
        : this(options, null, logger)
    {
    }

    private KnativeEventingMetrics(KnativeEventingMetricsOptions options, IMeterFactory? meterFactory, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        KnativeEventingMetricsOptionsValidator.ThrowIfInvalid(options);
        Options = options;
        logger ??= NullLogger.Instance;
        _failures = new RecordingFailureLog(logger);

        _ownsMeter = meterFactory is null;
        _meter = KnativeMeters.Create(
            meterFactory,
            KnativeEventingMeterNames.Core,
            typeof(KnativeEventingMetrics),
            string.IsNullOrEmpty(options.BrokerClass) ? null : [new KeyValuePair<string, object?>(BrokerClass, options.BrokerClass)]);

        EventTypes = options.AllowedEventTypes.Count > 0
            ? new CardinalityGuard(options.AllowedEventTypes, options.MaxAttributeValueLength)
            : new CardinalityGuard(options.MaxEventTypes, options.MaxAttributeValueLength);
        _eventSources = options.RecordEventSource
            ? new CardinalityGuard(options.MaxEventSources, options.MaxAttributeValueLength)
            : null;
        _errorTypes = new CardinalityGuard(MaxErrorTypes, options.MaxAttributeValueLength);
        _policies = new CardinalityGuard(MaxEventPolicies, options.MaxAttributeValueLength);

        _ingressDuration = _meter.CreateHistogram(KnativeEventingInstruments.IngressDuration);
        _processDuration = _meter.CreateHistogram(KnativeEventingInstruments.ProcessDuration);
        _queueDuration = _meter.CreateHistogram(KnativeEventingInstruments.QueueDuration);
        _dispatchDuration = _meter.CreateHistogram(KnativeEventingInstruments.DispatchDuration);
        _deliveries = _meter.CreateCounter(KnativeEventingInstruments.Deliveries);
        _eventsInvalid = _meter.CreateCounter(KnativeEventingInstruments.EventsInvalid);
        _dispatchActive = _meter.CreateUpDownCounter(KnativeEventingInstruments.DispatchActive);

        _backlog = new BacklogMonitor(options.BacklogRefreshInterval, options.BacklogProbeTimeout, logger);
        _meter.CreateObservableGauge(KnativeEventingInstruments.Backlog, _backlog.Observe);
        _meter.CreateObservableGauge(KnativeEventingInstruments.TriggerConsumers, _consumers.Observe);
    }

    /// <summary>The options in force.</summary>
    public KnativeEventingMetricsOptions Options { get; }

    /// <summary>The guard that bounds <c>cloudevents.type</c> (shared with the adapters of this process).</summary>
    public CardinalityGuard EventTypes { get; }

    /// <summary>How many recordings failed and were dropped since the start (each kind is logged once).</summary>
    internal long RecordingFailures => _failures.Failures;

    /// <summary>Stops the backlog refresher and, when this instance created its own meter, disposes it.</summary>
    public void Dispose()
    {
        _backlog.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static TagList TriggerTags(TriggerRef trigger) => new()
    {
        { BrokerName, trigger.Broker.Name },
        { BrokerNamespace, trigger.Broker.Namespace },
        { TriggerName, trigger.Name },
    };

    private static double Seconds(TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0d : duration.TotalSeconds;

    private void AddEventType(ref TagList tags, string? eventType)
    {
        if (eventType is not null)
        {
            tags.Add(CloudEventsType, EventTypes.Bound(eventType));
        }
    }

    private void AddEventSource(ref TagList tags, string? eventSource)
    {
        if (_eventSources is not null && eventSource is not null)
        {
            tags.Add(CloudEventsSource, _eventSources.Bound(eventSource));
        }
    }

    private void AddResult(ref TagList tags, int? statusCode, string? errorType)
    {
        if (statusCode is { } code)
        {
            tags.Add(HttpResponseStatusCode, StatusCodeBoxes.Get(code));
        }

        if (!string.IsNullOrEmpty(errorType))
        {
            var bounded = _errorTypes.Bound(errorType);
            tags.Add(ErrorType, ReferenceEquals(bounded, CardinalityGuard.OtherValue) ? ErrorTypes.Other : bounded);
        }
    }
}
