using System.Buffers;
using System.Diagnostics;
using System.Net.Mime;
using CloudNative.CloudEvents;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// Reads CloudEvents from ASP.NET Core requests per the CloudEvents HTTP binding 1.0: binary mode
/// (<c>ce-</c> headers, strict percent-decoding, <c>Content-Type</c> as <c>datacontenttype</c>), structured
/// mode (<c>application/cloudevents+json</c>) and batch mode (<c>application/cloudevents-batch+json</c>).
/// The body limit is enforced while reading. Never throws for bad input: the result says what was wrong.
/// </summary>
public static class CloudEventHttpRequestExtensions
{
    private const string StructuredPrefix = "application/cloudevents";
    private const string StructuredJson = "application/cloudevents+json";
    private const string BatchJson = "application/cloudevents-batch+json";
    private const int ChunkSize = 16 * 1024;

    /// <summary>Reads and validates the CloudEvent(s) of a request, recording <c>cloudevents.server.receive.duration</c> and decode errors.</summary>
    /// <param name="request">The request.</param>
    /// <param name="options">Options; defaults when null.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The events, or why the request is not valid (with the status to answer).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<CloudEventReadResult> ReadCloudEventsAsync(
        this HttpRequest request,
        CloudEventReadOptions? options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        options ??= new CloudEventReadOptions();
        var instrumentation = options.Instrumentation ?? request.HttpContext.RequestServices?.GetService<CloudEventsInstrumentation>();
        var start = Stopwatch.GetTimestamp();
        var result = await ReadAsync(request, options, cancellationToken).ConfigureAwait(false);
        if (instrumentation is not null)
        {
            var first = result.Events.Count > 0 ? result.Events[0] : null;
            if (result.Reason is { } reason)
            {
                instrumentation.RecordDecodeError(reason);
                instrumentation.RecordReceive(null, null, Stopwatch.GetElapsedTime(start), result.StatusCode, AttributeValues.Of(reason));
            }
            else
            {
                instrumentation.RecordReceive(
                    result.IsBatch ? null : first?.Type,
                    first?.SpecVersion.VersionId,
                    Stopwatch.GetElapsedTime(start),
                    null,
                    null);
            }
        }

        return result;
    }

    private static async Task<CloudEventReadResult> ReadAsync(HttpRequest request, CloudEventReadOptions options, CancellationToken cancellationToken)
    {
        var mediaType = ParseMediaType(request.ContentType, out var contentTypeValid);
        ContentMode mode;
        var isBatch = false;
        if (!contentTypeValid)
        {
            return CloudEventReadResult.Failure(
                InvalidEventReason.UnsupportedMediaType,
                $"The Content-Type '{Shorten(request.ContentType)}' cannot be parsed.",
                null,
                false);
        }

        if (mediaType is not null && mediaType.StartsWith(StructuredPrefix, StringComparison.OrdinalIgnoreCase))
        {
            mode = ContentMode.Structured;
            if (string.Equals(mediaType, BatchJson, StringComparison.OrdinalIgnoreCase))
            {
                if (!options.AllowBatch)
                {
                    return CloudEventReadResult.Failure(
                        InvalidEventReason.UnsupportedMediaType,
                        "Batch mode is not accepted here; send one event per request.",
                        mode,
                        true);
                }

                isBatch = true;
            }
            else if (!string.Equals(mediaType, StructuredJson, StringComparison.OrdinalIgnoreCase))
            {
                return CloudEventReadResult.Failure(
                    InvalidEventReason.UnsupportedMediaType,
                    $"The event format '{mediaType}' is not supported; use {StructuredJson}, {BatchJson} or binary mode.",
                    mode,
                    false);
            }
        }
        else if (HasCloudEventHeaders(request.Headers))
        {
            mode = ContentMode.Binary;
        }
        else
        {
            return CloudEventReadResult.Failure(
                InvalidEventReason.UnsupportedMediaType,
                $"Not a CloudEvent: no ce- headers (binary mode) and the Content-Type '{Shorten(request.ContentType) ?? "none"}' is not " +
                    $"{StructuredJson}.",
                null,
                false);
        }

        if (request.ContentLength is { } declared && declared > options.MaxBodyBytes)
        {
            return CloudEventReadResult.Failure(
                InvalidEventReason.TooLarge,
                $"The body is {declared} bytes; at most {options.MaxBodyBytes} are accepted.",
                mode,
                isBatch);
        }

        var (body, bodyError) = await ReadBodyAsync(
            request.Body,
            request.ContentLength,
            options.MaxBodyBytes,
            request.HttpContext.RequestAborted,
            cancellationToken).ConfigureAwait(false);
        if (bodyError is { } error)
        {
            return CloudEventReadResult.Failure(error.Reason, error.Detail, mode, isBatch);
        }

        try
        {
            var contentType = mediaType is null ? null : new ContentType(request.ContentType!);
            if (mode == ContentMode.Binary)
            {
                var attributes = ReadBinaryAttributes(request.Headers, request.ContentType);
                return CloudEventReadResult.Success(
                    [CloudEventValidator.FromBinary(attributes, body, options.Formatter, options.ExtensionAttributes)],
                    mode,
                    false);
            }

            return isBatch
                ? CloudEventReadResult.Success(
                    CloudEventValidator.FromBatch(body, contentType, options.Formatter, options.ExtensionAttributes),
                    mode,
                    true)
                : CloudEventReadResult.Success(
                    [CloudEventValidator.FromStructured(body, contentType, options.Formatter, options.ExtensionAttributes)],
                    mode,
                    false);
        }
        catch (InvalidCloudEventException ex)
        {
            return CloudEventReadResult.Failure(ex.Reason, ex.Message, mode, isBatch);
        }
        catch (FormatException ex)
        {
            return CloudEventReadResult.Failure(
                InvalidEventReason.UnsupportedMediaType,
                $"The Content-Type cannot be parsed: {ex.Message}",
                mode,
                isBatch);
        }
    }

    private static List<KeyValuePair<string, string>> ReadBinaryAttributes(IHeaderDictionary headers, string? contentType)
    {
        var attributes = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in headers)
        {
            if (key.Length <= 3 || !key.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var name = key[3..].ToLowerInvariant();
            if (values.Count != 1)
            {
                throw new InvalidCloudEventException(
                    InvalidEventReason.Malformed,
                    $"The header '{key}' appears {values.Count} times; a CloudEvents attribute has one value.",
                    null);
            }

            if (!CloudEventHeaderValue.TryDecode(values[0] ?? string.Empty, out var value))
            {
                throw new InvalidCloudEventException(InvalidEventReason.Malformed, $"The header '{key}' is not validly percent-encoded UTF-8.", null);
            }

            attributes.Add(new(name, value));
        }

        if (!string.IsNullOrEmpty(contentType))
        {
            attributes.Add(new("datacontenttype", contentType));
        }

        return attributes;
    }

    private static bool HasCloudEventHeaders(IHeaderDictionary headers)
    {
        foreach (var key in headers.Keys)
        {
            if (key.Length > 3 && key.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string? ParseMediaType(string? contentType, out bool valid)
    {
        valid = true;
        if (string.IsNullOrEmpty(contentType))
        {
            return null;
        }

        if (MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.HasValue)
        {
            try
            {
                _ = new ContentType(contentType);
                return parsed.MediaType.Value;
            }
            catch (FormatException)
            {
            }
        }

        valid = false;
        return null;
    }

    /// <summary>
    /// Reads the whole body: into one array of the declared length when there is a Content-Length (Kestrel ends the
    /// stream there, and fails it when the client sends less), else through a pooled chunk up to <paramref name="limit"/>.
    /// </summary>
    private static async Task<(
        ReadOnlyMemory<byte> Body,
        (
            InvalidEventReason Reason,
            string Detail)? Error)> ReadBodyAsync(
        Stream stream,
        long? declaredLength,
        long limit,
        CancellationToken clientAborted,
        CancellationToken cancellationToken)
    {
        byte[]? chunk = null;
        try
        {
            if (declaredLength is { } declared && declared <= limit)
            {
                var body = new byte[declared];
                var filled = 0;
                while (filled < body.Length)
                {
                    var read = await stream.ReadAsync(body.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (default, Truncated);
                    }

                    filled += read;
                }

                return (body, null);
            }

            using var buffer = new MemoryStream();
            chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
            while (true)
            {
                var read = await stream.ReadAsync(chunk.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (buffer.ToArray(), null);
                }

                if (buffer.Length + read > limit)
                {
                    return (default, (InvalidEventReason.TooLarge, $"The body is larger than the {limit} bytes accepted."));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception ex) when (ex is BadHttpRequestException or IOException
            || (ex is OperationCanceledException && (clientAborted.IsCancellationRequested || !cancellationToken.IsCancellationRequested)))
        {
            // Kestrel reports a body cut short either as a bad request or, when the client closed its side,
            // as the request being aborted: both are a truncated body.
            return (default, Truncated);
        }
        finally
        {
            if (chunk is not null)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    private static (InvalidEventReason Reason, string Detail) Truncated =>
        (InvalidEventReason.Malformed, "The body ended before its declared length or could not be read.");

    private static string? Shorten(string? value) => value is { Length: > 100 } ? string.Concat(value.AsSpan(0, 100), "…") : value;
}
