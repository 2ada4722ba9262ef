using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using static Knative.Eventing.Metrics.KnativeAttributes;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// Owns the meter <see cref="KnativeEventingMeterNames.CloudEvents"/> and its instruments
/// (<see cref="CloudEventsInstruments"/>). <c>cloudevents.type</c> is bounded by a <see cref="CardinalityGuard"/>
/// (in dependency injection, the one of <see cref="KnativeEventingMetrics"/>).
/// </summary>
public sealed class CloudEventsInstrumentation : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly RecordingFailureLog _failures;
    private readonly CardinalityGuard _eventTypes;
    private readonly CardinalityGuard _specVersions = new(8, 16);
    private readonly Histogram<double> _send;
    private readonly Histogram<double> _receive;
    private readonly Histogram<double> _decode;
    private readonly Counter<long> _decodeErrors;

    /// <summary>Creates the instruments on a meter of the host's <paramref name="meterFactory"/>.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    /// <param name="eventTypes">The guard bounding <c>cloudevents.type</c> (share the core's: <see
    /// cref="KnativeEventingMetrics.EventTypes"/>).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public CloudEventsInstrumentation(IMeterFactory meterFactory, CardinalityGuard eventTypes)
        : this(
            meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)),
            eventTypes ?? throw new ArgumentNullException(nameof(eventTypes)),
            ownsMeter: false,
            null)
    {
    }

    /// <summary>Creates the instruments on a meter of the host's <paramref name="meterFactory"/>, logging recording failures to <paramref
    /// name="logger"/>.</summary>
    /// <param name="meterFactory">The meter factory.</param>
    /// <param name="eventTypes">The guard bounding <c>cloudevents.type</c> (share the core's: <see
    /// cref="KnativeEventingMetrics.EventTypes"/>).</param>
    /// <param name="logger">Where a failed recording is logged (once per kind); it is never thrown.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public CloudEventsInstrumentation(IMeterFactory meterFactory, CardinalityGuard eventTypes, ILogger logger)
        : this(
            meterFactory ?? throw new ArgumentNullException(nameof(meterFactory)),
            eventTypes ?? throw new ArgumentNullException(nameof(eventTypes)),
            ownsMeter: false,
            logger ?? throw new ArgumentNullException(nameof(logger)))
    {
    }

    /// <summary>Creates the instruments on a meter of its own, keeping the first 50 event types; dispose to remove it.</summary>
    public CloudEventsInstrumentation()
        : this(null, new CardinalityGuard(50, 256), ownsMeter: true, null)
    {
    }

    private CloudEventsInstrumentation(IMeterFactory? meterFactory, CardinalityGuard eventTypes, bool ownsMeter, ILogger? logger)
    {
        _failures = new RecordingFailureLog(logger ?? NullLogger.Instance);
        _meter = KnativeMeters.Create(meterFactory, KnativeEventingMeterNames.CloudEvents, typeof(CloudEventsInstrumentation), null);
        _ownsMeter = ownsMeter;
        _eventTypes = eventTypes;
        _send = _meter.CreateHistogram(CloudEventsInstruments.ClientSendDuration);
        _receive = _meter.CreateHistogram(CloudEventsInstruments.ServerReceiveDuration);
        _decode = _meter.CreateHistogram(CloudEventsInstruments.DecodeDuration);
        _decodeErrors = _meter.CreateCounter(CloudEventsInstruments.DecodeErrors);
    }

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

    internal void RecordSend(string? eventType, string? specVersion, TimeSpan duration, int? statusCode, string? errorType)
    {
        try
        {
            Record(_send, duration, eventType, specVersion, statusCode, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordSend), ex);
        }
    }

    internal void RecordReceive(string? eventType, string? specVersion, TimeSpan duration, int? statusCode, string? errorType)
    {
        try
        {
            Record(_receive, duration, eventType, specVersion, statusCode, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordReceive), ex);
        }
    }

    internal void RecordDecode(string? eventType, string? specVersion, TimeSpan duration, string? errorType)
    {
        try
        {
            Record(_decode, duration, eventType, specVersion, null, errorType);
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordDecode), ex);
        }
    }

    /// <summary>
    /// A successful decode that started at <paramref name="startTimestamp"/>: reads the event's type and spec
    /// version (null for a batch) and records its duration, all inside one handler, so that the decorator's
    /// success path has no exception frame of its own (docs/performance.md has the decode benchmark).
    /// </summary>
    internal void RecordDecoded(CloudNative.CloudEvents.CloudEvent? cloudEvent, long startTimestamp)
    {
        try
        {
            if (_decode.Enabled)
            {
                Record(_decode, Stopwatch.GetElapsedTime(startTimestamp), cloudEvent?.Type, cloudEvent?.SpecVersion.VersionId, null, null);
            }
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordDecode), ex);
        }
    }

    internal void RecordDecodeError(InvalidEventReason reason)
    {
        try
        {
            _decodeErrors.Add(1, new KeyValuePair<string, object?>(ErrorType, AttributeValues.Of(reason)));
        }
        catch (Exception ex)
        {
            _failures.Report(nameof(RecordDecodeError), ex);
        }
    }

    /// <summary>
    /// The measurement itself, outside the callers' exception handlers: a <see cref="TagList"/> built inside a
    /// try block is kept on the stack and copied, which makes every decode slower.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Record(Histogram<double> histogram, TimeSpan duration, string? eventType, string? specVersion, int? statusCode, string? errorType) =>
        histogram.Record(duration.TotalSeconds, Tags(eventType, specVersion, statusCode, errorType));

    private TagList Tags(string? eventType, string? specVersion, int? statusCode, string? errorType)
    {
        var tags = default(TagList);
        if (eventType is not null)
        {
            tags.Add(CloudEventsType, _eventTypes.Bound(eventType));
        }

        if (specVersion is not null)
        {
            // The SDK's own version ids ("1.0", "0.3") are a fixed set; only foreign strings need the guard.
            tags.Add(CloudEventsSpecVersion, specVersion is "1.0" or "0.3" ? specVersion : _specVersions.Bound(specVersion));
        }

        if (statusCode is { } code)
        {
            tags.Add(HttpResponseStatusCode, StatusCodeBoxes.Get(code));
        }

        if (errorType is not null)
        {
            tags.Add(ErrorType, errorType);
        }

        return tags;
    }
}
