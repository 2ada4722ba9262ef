using System.Net.Mime;
using System.Text;
using CloudNative.CloudEvents;
using Confluent.Kafka;
using Knative.Eventing.Metrics.CloudEvents;

namespace Knative.Eventing.Metrics.Kafka;

/// <summary>
/// The CloudEvents Kafka protocol binding 1.0: binary mode puts every attribute in a <c>ce_</c> header
/// (UTF-8) and <c>datacontenttype</c> in the <c>content-type</c> header; structured mode sends the event
/// format as the value with <c>content-type: application/cloudevents+json</c>. The <c>partitionkey</c>
/// extension becomes the record key. Decoding validates with the project's one validator
/// (<see cref="CloudEventValidator"/>).
/// </summary>
public static class KafkaCloudEventBinding
{
    /// <summary>The header prefix of binary mode.</summary>
    public const string HeaderPrefix = "ce_";

    /// <summary>The content-type header.</summary>
    public const string ContentTypeHeader = "content-type";

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Encodes an event as a Kafka record.</summary>
    /// <param name="cloudEvent">The event (validated first).</param>
    /// <param name="mode">Binary or structured.</param>
    /// <param name="formatter">The event format.</param>
    /// <returns>The record: key from <c>partitionkey</c> (or null), headers and value.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The event is missing required attributes.</exception>
    public static Message<byte[]?, byte[]?> Encode(CloudEvent cloudEvent, ContentMode mode, CloudEventFormatter formatter)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        ArgumentNullException.ThrowIfNull(formatter);
        cloudEvent.Validate();
        var headers = new Headers();
        var key = cloudEvent["partitionkey"] is { } partitionKey ? Encoding.UTF8.GetBytes(partitionKey.ToString()!) : null;
        if (mode == ContentMode.Structured)
        {
            var body = formatter.EncodeStructuredModeMessage(cloudEvent, out var contentType);
            headers.Add(ContentTypeHeader, Encoding.UTF8.GetBytes(contentType.ToString()));
            return new Message<byte[]?, byte[]?> { Key = key, Value = body.ToArray(), Headers = headers };
        }

        headers.Add(HeaderPrefix + "specversion", Encoding.UTF8.GetBytes(cloudEvent.SpecVersion.VersionId));
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            if (attribute == cloudEvent.SpecVersion.DataContentTypeAttribute)
            {
                continue;
            }

            headers.Add(HeaderPrefix + attribute.Name, Encoding.UTF8.GetBytes(attribute.Format(value)));
        }

        var data = formatter.EncodeBinaryModeEventData(cloudEvent);
        var dataContentType = cloudEvent.DataContentType ?? (data.IsEmpty ? null : formatter.GetOrInferDataContentType(cloudEvent));
        if (dataContentType is not null)
        {
            headers.Add(ContentTypeHeader, Encoding.UTF8.GetBytes(dataContentType));
        }

        return new Message<byte[]?, byte[]?> { Key = key, Value = data.IsEmpty ? null : data.ToArray(), Headers = headers };
    }

    /// <summary>Decodes and validates a Kafka record as a CloudEvent.</summary>
    /// <param name="headers">The record's headers (null for none).</param>
    /// <param name="value">The record's value.</param>
    /// <param name="formatter">The event format.</param>
    /// <param name="extensionAttributes">Known extension attributes.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidCloudEventException">The record is not a valid CloudEvent.</exception>
    public static CloudEvent Decode(
        Headers? headers,
        byte[]? value,
        CloudEventFormatter formatter,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var attributes = new List<KeyValuePair<string, string>>();
        string? contentType = null;
        foreach (var header in headers ?? [])
        {
            if (header.Key == ContentTypeHeader)
            {
                contentType = Utf8(header.GetValueBytes(), header.Key);
            }
            else if (header.Key.StartsWith(HeaderPrefix, StringComparison.Ordinal))
            {
                attributes.Add(new(header.Key[HeaderPrefix.Length..], Utf8(header.GetValueBytes(), header.Key)));
            }
        }

        if (contentType is not null && contentType.StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase))
        {
            ContentType parsed;
            try
            {
                parsed = new ContentType(contentType);
            }
            catch (FormatException ex)
            {
                throw new InvalidCloudEventException(
                    InvalidEventReason.UnsupportedMediaType,
                    $"The content-type '{contentType}' cannot be parsed.",
                    ex);
            }

            if (!string.Equals(parsed.MediaType, "application/cloudevents+json", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidCloudEventException(
                    InvalidEventReason.UnsupportedMediaType,
                    $"The event format '{parsed.MediaType}' is not supported.",
                    null);
            }

            return CloudEventValidator.FromStructured(value ?? [], parsed, formatter, extensionAttributes);
        }

        if (attributes.Count == 0)
        {
            throw new InvalidCloudEventException(
                InvalidEventReason.MissingAttribute,
                "The record has no ce_ headers and is not a structured-mode CloudEvent.",
                null);
        }

        if (contentType is not null)
        {
            attributes.Add(new("datacontenttype", contentType));
        }

        return CloudEventValidator.FromBinary(attributes, value ?? [], formatter, extensionAttributes);
    }

    private static string Utf8(byte[]? bytes, string header)
    {
        try
        {
            return bytes is null ? string.Empty : StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidCloudEventException(InvalidEventReason.Malformed, $"The header '{header}' is not valid UTF-8.", ex);
        }
    }
}
