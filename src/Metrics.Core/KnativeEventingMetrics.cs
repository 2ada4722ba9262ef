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
public sealed class KnativeEventingMetrics : IDisposable
{
    /// <summary>The most attributes one measurement carries (the <c>TagList</c> inline size).</summary>
    public const int MaxAttributesPerMeasurement = 8;

    private const int MaxErrorTypes = 64;

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
    public long RecordingFailures => _failures.Failures;

    /// <summary>
    /// Records <c>kn.eventing.ingress.duration</c>: one event from request received to the backend's
    /// acknowledgement or the ingress's rejection.
    /// </summary>
    /// <param name="broker">The broker.</param>
    /// <param name="eventType">The CloudEvent type, when known (bounded by <see cref="EventTypes"/>).</param>
    /// <param name="duration">The elapsed time.</param>
    /// <param name="statusCode">The HTTP status the ingress answered, when it answered over HTTP.</param>
    /// <param name="errorType">On failure only: why (see <see cref="ErrorTypes"/>).</param>
    public void RecordIngress(BrokerRef broker, string? eventType, TimeSpan duration, int? statusCode = null, string? errorType = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(broker);
            if (!_ingressDuration.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = new TagList
            {
                { MessagingSystem, MessagingSystemKnative },
                { MessagingOperationName, OperationSend },
                { MessagingDestinationName, broker.IngressDestination },
                { BrokerName, broker.Name },
                { BrokerNamespace, broker.Namespace },
            };
            AddEventType(ref tags, eventType);
            AddResult(ref tags, statusCode, errorType);
            _ingressDuration.Record(Seconds(duration), tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordIngress), ex);
        }
    }

    /// <summary>Records <c>kn.eventing.process.duration</c>: event taken from the backend → the trigger's filter decided.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="duration">The elapsed time.</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is on.</param>
    public void RecordProcess(TriggerRef trigger, string? eventType, TimeSpan duration, string? eventSource = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            if (!_processDuration.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = new TagList
            {
                { MessagingSystem, MessagingSystemKnative },
                { MessagingOperationName, OperationProcess },
                { MessagingDestinationName, trigger.SubscriberDestination },
                { BrokerName, trigger.Broker.Name },
                { BrokerNamespace, trigger.Broker.Namespace },
                { TriggerName, trigger.Name },
            };
            AddEventType(ref tags, eventType);
            AddEventSource(ref tags, eventSource);
            _processDuration.Record(Seconds(duration), tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordProcess), ex);
        }
    }

    /// <summary>Records <c>kn.eventing.queue.duration</c>: <c>knativearrivaltime</c> → first dispatch attempt.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="duration">The time waited; a negative value (clock skew between hosts) is recorded as 0.</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is on.</param>
    public void RecordQueueDuration(TriggerRef trigger, string? eventType, TimeSpan duration, string? eventSource = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            if (!_queueDuration.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = TriggerTags(trigger);
            AddEventType(ref tags, eventType);
            AddEventSource(ref tags, eventSource);
            _queueDuration.Record(Seconds(duration), tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordQueueDuration), ex);
        }
    }

    /// <summary>
    /// Starts one delivery attempt: counts it in <c>kn.eventing.dispatch.active</c> until the returned
    /// attempt is completed, which records <c>kn.eventing.dispatch.duration</c>. Complete it exactly once.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="target">Subscriber, dead-letter sink or reply.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <returns>The running attempt (a value type: do not copy it before completing it).</returns>
    public DispatchAttempt StartDispatch(TriggerRef trigger, DispatchTarget target, string? eventType)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            var boundType = eventType is null ? null : EventTypes.Bound(eventType);
            _dispatchActive.Add(1, TriggerTags(trigger));
            return new DispatchAttempt(this, trigger, trigger.DestinationOf(target), boundType, Stopwatch.GetTimestamp());
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(StartDispatch), ex);
            return default;
        }
    }

    /// <summary>
    /// Begins following one event taken from the backend for one trigger: the returned scope records the
    /// filter decision, the queue time at the first attempt, every attempt and the final outcome.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="arrivalTime">The event's <c>knativearrivaltime</c>, when present (for <c>kn.eventing.queue.duration</c>).</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is on.</param>
    /// <returns>The scope of this event and trigger.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trigger"/> is null (a programming error, raised where the scope is created).</exception>
    public DeliveryScope BeginDelivery(TriggerRef trigger, string? eventType, DateTimeOffset? arrivalTime, string? eventSource)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return new DeliveryScope(this, trigger, eventType, eventSource, arrivalTime);
    }

    /// <summary>Records one final outcome of an event for a trigger in <c>kn.eventing.deliveries</c>.</summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="eventType">The CloudEvent type.</param>
    /// <param name="outcome">The final outcome.</param>
    /// <param name="eventSource">The CloudEvent source; recorded only when <see cref="KnativeEventingMetricsOptions.RecordEventSource"/> is on.</param>
    public void RecordDelivery(TriggerRef trigger, string? eventType, DeliveryOutcome outcome, string? eventSource = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(trigger);
            if (!_deliveries.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = TriggerTags(trigger);
            AddEventType(ref tags, eventType);
            tags.Add(KnativeAttributes.DeliveryOutcome, AttributeValues.Of(outcome));
            AddEventSource(ref tags, eventSource);
            _deliveries.Add(1, tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordDelivery), ex);
        }
    }

    /// <summary>Counts one event rejected as not a valid CloudEvent in <c>kn.eventing.events.invalid</c> (at ingress: see <see cref="RecordInvalidMessage"/> for messages read back from the backend).</summary>
    /// <param name="broker">The broker that rejected it.</param>
    /// <param name="reason">Why.</param>
    public void RecordInvalidEvent(BrokerRef broker, InvalidEventReason reason)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(broker);
            if (!_eventsInvalid.Enabled)
            {
                return; // nothing listens: no tags built (checked after the argument, so misuse is still reported)
            }

            var tags = new TagList
            {
                { BrokerName, broker.Name },
                { BrokerNamespace, broker.Namespace },
                { ErrorType, AttributeValues.Of(reason) },
            };
            _eventsInvalid.Add(1, tags);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordInvalidEvent), ex);
        }
    }

    /// <summary>
    /// The one rule, for every broker, for a message a trigger's consumer reads back from the backend that is
    /// not a valid CloudEvent (written there by a foreign producer): it is counted once in
    /// <c>kn.eventing.events.invalid</c> by each trigger consumer that reads it (each rejects it), it gets
    /// no <c>kn.eventing.deliveries</c> outcome (it is not an event: it has no type and reaches no subscriber),
    /// and the consumer then acknowledges or commits past it, so it is never read again. Consumers call
    /// this instead of <see cref="RecordInvalidEvent"/>; never throws.
    /// </summary>
    /// <param name="trigger">The trigger whose consumer read the message.</param>
    /// <param name="reason">Why it is not a valid CloudEvent.</param>
    public void RecordInvalidMessage(TriggerRef trigger, InvalidEventReason reason)
    {
        if (trigger is null)
        {
            _failures.Report(nameof(RecordInvalidMessage), new ArgumentNullException(nameof(trigger)));
            return;
        }

        RecordInvalidEvent(trigger.Broker, reason);
    }

    /// <summary>
    /// Registers the backlog source of a trigger for <c>kn.eventing.backlog</c>. A background refresher
    /// calls <paramref name="readBacklog"/> every <see cref="KnativeEventingMetricsOptions.BacklogRefreshInterval"/>
    /// (with <see cref="KnativeEventingMetricsOptions.BacklogProbeTimeout"/>) and caches the value; a
    /// scrape reads only the cache. A failed read removes the value until the next good one. Each reading
    /// is reported as two series (<c>kn.backlog.scope</c> = broker, replica) so that N replicas add up:
    /// the true backlog is max over replicas of the broker part plus the sum of the replica parts.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <param name="readBacklog">
    /// Reads the events waiting for the trigger: what every replica reads alike from the broker, and what
    /// only this process holds (<see cref="BacklogReading.BrokerWide"/>, <see cref="BacklogReading.ReplicaOnly"/>).
    /// </param>
    /// <returns>Dispose to unregister.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The trigger already has a backlog source.</exception>
    /// <exception cref="ObjectDisposedException">This instance was disposed.</exception>
    public IDisposable RegisterBacklogSource(TriggerRef trigger, Func<CancellationToken, ValueTask<BacklogReading>> readBacklog) =>
        _backlog.Register(trigger, readBacklog);

    /// <summary>
    /// Registers a consumer of <paramref name="trigger"/> for <c>kn.eventing.trigger.consumers</c> (state
    /// running until the consumer reports otherwise) and for <see cref="Consumers"/>, which health checks read.
    /// </summary>
    /// <param name="trigger">The trigger.</param>
    /// <returns>The consumer's health: mark it failed when the consumer dies, dispose it when the consumer stops.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="trigger"/> is null.</exception>
    public TriggerConsumerHealth RegisterConsumer(TriggerRef trigger) => _consumers.Register(trigger);

    /// <summary>The registered trigger consumers and their states, e.g. for a health check.</summary>
    public IReadOnlyList<TriggerConsumerHealth> Consumers => _consumers.Snapshot();

    /// <summary>Reads every backlog source now, instead of waiting for the next interval.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when every source was read (or failed).</returns>
    public Task RefreshBacklogAsync(CancellationToken cancellationToken = default) =>
        _backlog.RefreshAsync(cancellationToken);

    /// <summary>Stops the backlog refresher and, when this instance created its own meter, disposes it.</summary>
    public void Dispose()
    {
        _backlog.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal void CompleteDispatch(TriggerRef trigger, string destination, string? boundEventType, long startTimestamp, int? statusCode, string? errorType)
    {
        try
        {
            var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
            var tags = new TagList
            {
                { MessagingSystem, MessagingSystemKnative },
                { MessagingOperationName, OperationSend },
                { MessagingDestinationName, destination },
                { BrokerName, trigger.Broker.Name },
                { BrokerNamespace, trigger.Broker.Namespace },
                { TriggerName, trigger.Name },
            };
            if (boundEventType is not null)
            {
                tags.Add(CloudEventsType, boundEventType);
            }

            // A response's status code says what failed; error.type is only for attempts without one.
            AddResult(ref tags, statusCode, statusCode is null ? errorType : null);
            _dispatchDuration.Record(Seconds(elapsed), tags);
            _dispatchActive.Add(-1, TriggerTags(trigger));
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(DispatchAttempt), ex);
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
