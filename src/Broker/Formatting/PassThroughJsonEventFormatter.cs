using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Knative.Eventing.Metrics.Broker.Formatting;

/// <summary>
/// The broker's own formatter for events it reads back from RabbitMQ or Kafka and sends on: binary-mode JSON
/// data stays the bytes as received (checked to be JSON with a forward-only reader, nothing built), and bytes
/// are written back as they are, in binary and structured mode. A broker forwards data, as Knative's does; the
/// SDK's <see cref="JsonEventFormatter"/> parses it into a <see cref="JsonElement"/> and serializes it again,
/// once per trigger (five parses per event for the game's five triggers). Subscribers that read the
/// data (the game's) parse it themselves; anything else behaves as <see cref="JsonEventFormatter"/>.
/// </summary>
internal sealed class PassThroughJsonEventFormatter : JsonEventFormatter
{
    /// <summary>Keeps JSON data as its bytes after checking that they are one JSON value (else <see cref="JsonException"/>).</summary>
    public override void DecodeBinaryModeEventData(ReadOnlyMemory<byte> body, CloudEvent cloudEvent)
    {
        if (body.IsEmpty || !IsJson(cloudEvent.DataContentType))
        {
            base.DecodeBinaryModeEventData(body, cloudEvent);
            return;
        }

        var reader = new Utf8JsonReader(body.Span);
        while (reader.Read())
        {
            // Reading to the end checks every token; a malformed body throws JsonException here, as the SDK's parse would.
        }

        cloudEvent.Data = body.ToArray();
    }

    /// <summary>Writes kept JSON bytes as they are.</summary>
    public override ReadOnlyMemory<byte> EncodeBinaryModeEventData(CloudEvent cloudEvent) =>
        cloudEvent.Data is byte[] json && IsJson(cloudEvent.DataContentType) ? json : base.EncodeBinaryModeEventData(cloudEvent);

    /// <summary>Writes kept JSON bytes as the <c>data</c> member's value (not as <c>data_base64</c>).</summary>
    protected override void EncodeStructuredModeData(CloudEvent cloudEvent, Utf8JsonWriter writer)
    {
        if (cloudEvent.Data is byte[] json && IsJson(cloudEvent.DataContentType))
        {
            writer.WritePropertyName(DataPropertyName);
            writer.WriteRawValue(json);
            return;
        }

        base.EncodeStructuredModeData(cloudEvent, writer);
    }

    /// <summary>
    /// JSON data by the SDK's rule (<c>*/json</c>, <c>*+json</c>), with no parameters or only <c>charset=utf-8</c> (what
    /// HttpClient's <c>StringContent</c> and many SDKs send; the SDK reads such data as the same UTF-8 bytes). Anything
    /// else (another charset, other parameters) is left to the SDK, which parses the content type and honours the charset;
    /// parsing a <see cref="System.Net.Mime.ContentType"/> per event was a tenth of the RabbitMQ backend's allocations.
    /// </summary>
    private bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return semicolon < 0
            ? IsJsonMediaType(contentType.Trim())
            : IsUtf8CharsetOnly(contentType.AsSpan(semicolon + 1)) && IsJsonMediaType(contentType[..semicolon].Trim());
    }

    /// <summary>Whether media type parameters are exactly one <c>charset=utf-8</c> (any case, quoted or not).</summary>
    private static bool IsUtf8CharsetOnly(ReadOnlySpan<char> parameters)
    {
        var equals = parameters.IndexOf('=');
        if (equals < 0 || parameters.Contains(';'))
        {
            return false;
        }

        var value = parameters[(equals + 1)..].Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1];
        }

        return parameters[..equals].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase)
            && value.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
    }
}
