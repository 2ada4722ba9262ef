using System.Diagnostics;
using System.Net.Mime;
using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// A <see cref="CloudEventFormatter"/> decorator: every decode call is timed
/// (<c>cloudevents.decode.duration</c>) and every decode failure counted by reason
/// (<c>cloudevents.decode.errors</c>). It returns exactly what the inner formatter returns and
/// rethrows exactly what it throws; encoding passes straight through.
/// </summary>
public sealed class InstrumentedCloudEventFormatter : CloudEventFormatter
{
    private readonly CloudEventFormatter _inner;
    private readonly CloudEventsInstrumentation _instrumentation;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The formatter that does the work.</param>
    /// <param name="instrumentation">The instruments to record in.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public InstrumentedCloudEventFormatter(CloudEventFormatter inner, CloudEventsInstrumentation instrumentation)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _instrumentation = instrumentation ?? throw new ArgumentNullException(nameof(instrumentation));
    }

    /// <summary>The wrapped formatter.</summary>
    public CloudEventFormatter Inner => _inner;

    /// <inheritdoc/>
    public override CloudEvent DecodeStructuredModeMessage(
        ReadOnlyMemory<byte> body,
        ContentType? contentType,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        var start = Stopwatch.GetTimestamp();
        CloudEvent result;
        try
        {
            result = _inner.DecodeStructuredModeMessage(body, contentType, extensionAttributes);
        }
        catch (Exception ex)
        {
            Failed(start, ex);
            throw;
        }

        _instrumentation.RecordDecoded(result, start);
        return result;
    }

    /// <inheritdoc/>
    public override CloudEvent DecodeStructuredModeMessage(
        Stream messageBody,
        ContentType? contentType,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        var start = Stopwatch.GetTimestamp();
        CloudEvent result;
        try
        {
            result = _inner.DecodeStructuredModeMessage(messageBody, contentType, extensionAttributes);
        }
        catch (Exception ex)
        {
            Failed(start, ex);
            throw;
        }

        _instrumentation.RecordDecoded(result, start);
        return result;
    }

    /// <inheritdoc/>
    public override async Task<CloudEvent> DecodeStructuredModeMessageAsync(
        Stream messageBody,
        ContentType? contentType,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        var start = Stopwatch.GetTimestamp();
        CloudEvent result;
        try
        {
            result = await _inner.DecodeStructuredModeMessageAsync(messageBody, contentType, extensionAttributes).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Failed(start, ex);
            throw;
        }

        _instrumentation.RecordDecoded(result, start);
        return result;
    }

    /// <inheritdoc/>
    public override void DecodeBinaryModeEventData(ReadOnlyMemory<byte> body, CloudEvent cloudEvent)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            _inner.DecodeBinaryModeEventData(body, cloudEvent);
        }
        catch (Exception ex)
        {
            Failed(start, ex);
            throw;
        }

        _instrumentation.RecordDecoded(cloudEvent, start);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<CloudEvent> DecodeBatchModeMessage(
        ReadOnlyMemory<byte> body,
        ContentType? contentType,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        var start = Stopwatch.GetTimestamp();
        IReadOnlyList<CloudEvent> result;
        try
        {
            result = _inner.DecodeBatchModeMessage(body, contentType, extensionAttributes);
        }
        catch (Exception ex)
        {
            Failed(start, ex);
            throw;
        }

        _instrumentation.RecordDecoded(null, start);
        return result;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<CloudEvent> DecodeBatchModeMessage(
        Stream body,
        ContentType? contentType,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        var start = Stopwatch.GetTimestamp();
        IReadOnlyList<CloudEvent> result;
        try
        {
            result = _inner.DecodeBatchModeMessage(body, contentType, extensionAttributes);
        }
        catch (Exception ex)
        {
            Failed(start, ex);
            throw;
        }

        _instrumentation.RecordDecoded(null, start);
        return result;
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<CloudEvent>> DecodeBatchModeMessageAsync(
        Stream body,
        ContentType? contentType,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        var start = Stopwatch.GetTimestamp();
        IReadOnlyList<CloudEvent> result;
        try
        {
            result = await _inner.DecodeBatchModeMessageAsync(body, contentType, extensionAttributes).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Failed(start, ex);
            throw;
        }

        _instrumentation.RecordDecoded(null, start);
        return result;
    }

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> EncodeStructuredModeMessage(CloudEvent cloudEvent, out ContentType contentType) =>
        _inner.EncodeStructuredModeMessage(cloudEvent, out contentType);

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> EncodeBinaryModeEventData(CloudEvent cloudEvent) =>
        _inner.EncodeBinaryModeEventData(cloudEvent);

    /// <inheritdoc/>
    public override ReadOnlyMemory<byte> EncodeBatchModeMessage(IEnumerable<CloudEvent> cloudEvents, out ContentType contentType) =>
        _inner.EncodeBatchModeMessage(cloudEvents, out contentType);

    /// <inheritdoc/>
    public override string? GetOrInferDataContentType(CloudEvent cloudEvent) => _inner.GetOrInferDataContentType(cloudEvent);

    /// <inheritdoc/>
    protected override string? InferDataContentType(object data) => null; // GetOrInferDataContentType delegates to the inner formatter

    private void Failed(long start, Exception exception)
    {
        try
        {
            var reason = DecodeErrorClassifier.Classify(exception);
            _instrumentation.RecordDecodeError(reason);
            _instrumentation.RecordDecode(null, null, Stopwatch.GetElapsedTime(start), AttributeValues.Of(reason));
        }
        catch (Exception)
        {
            // Recording never changes the outcome of the wrapped call.
        }
    }
}
