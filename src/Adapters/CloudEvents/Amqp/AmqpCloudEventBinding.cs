using System.Globalization;
using System.Net.Mime;
using System.Text;
using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// The CloudEvents AMQP protocol binding 1.0 over plain application properties, so it works with
/// RabbitMQ.Client's <c>BasicProperties.Headers</c>: binary mode puts every attribute in a
/// <c>cloudEvents:</c>-prefixed property (booleans and integers as AMQP booleans and integers, the rest
/// as strings) and <c>datacontenttype</c> in the content-type; structured mode sends the event format as
/// the body. Decoding accepts the <c>cloudEvents_</c> prefix too, and UTF-8 byte arrays (how RabbitMQ
/// delivers strings), and validates with <see cref="CloudEventValidator"/>.
/// </summary>
public static class AmqpCloudEventBinding
{
    /// <summary>The application-property prefix of the binding.</summary>
    public const string Prefix = "cloudEvents:";

    /// <summary>The alternative prefix for clients that cannot use a colon.</summary>
    public const string AlternativePrefix = "cloudEvents_";

    /// <summary>UTF-8 that throws on invalid bytes, shared (not one per header).</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Encodes an event as an AMQP message.</summary>
    /// <param name="cloudEvent">The event (validated first).</param>
    /// <param name="mode">Binary or structured.</param>
    /// <param name="formatter">The event format.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidOperationException">The event is missing required attributes.</exception>
    public static AmqpCloudEventMessage Encode(CloudEvent cloudEvent, ContentMode mode, CloudEventFormatter formatter)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        ArgumentNullException.ThrowIfNull(formatter);
        cloudEvent.Validate();
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (mode == ContentMode.Structured)
        {
            var body = formatter.EncodeStructuredModeMessage(cloudEvent, out var contentType);
            return new AmqpCloudEventMessage(properties, contentType.ToString(), body);
        }

        properties[Prefix + "specversion"] = cloudEvent.SpecVersion.VersionId;
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            if (attribute == cloudEvent.SpecVersion.DataContentTypeAttribute)
            {
                continue;
            }

            properties[Prefix + attribute.Name] = value switch
            {
                bool b => b,
                int i => i,
                _ => attribute.Format(value),
            };
        }

        var data = formatter.EncodeBinaryModeEventData(cloudEvent);
        var dataContentType = cloudEvent.DataContentType ?? (data.IsEmpty ? null : formatter.GetOrInferDataContentType(cloudEvent));
        return new AmqpCloudEventMessage(properties, dataContentType, data);
    }

    /// <summary>Decodes and validates an AMQP message as a CloudEvent.</summary>
    /// <param name="applicationProperties">The application properties (null for none).</param>
    /// <param name="contentType">The content-type property.</param>
    /// <param name="body">The body.</param>
    /// <param name="formatter">The event format.</param>
    /// <param name="extensionAttributes">Known extension attributes.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidCloudEventException">The message is not a valid CloudEvent.</exception>
    public static CloudEvent Decode(
        IDictionary<string, object?>? applicationProperties,
        string? contentType,
        ReadOnlyMemory<byte> body,
        CloudEventFormatter formatter,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        ArgumentNullException.ThrowIfNull(formatter);
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
                    $"The content type '{contentType}' cannot be parsed.",
                    ex);
            }

            return CloudEventValidator.FromStructured(body, parsed, formatter, extensionAttributes);
        }

        var attributes = new List<KeyValuePair<string, string>>((applicationProperties?.Count ?? 0) + 1);
        var typed = new List<CloudEventAttribute>(extensionAttributes ?? []);
        foreach (var (key, value) in applicationProperties ?? new Dictionary<string, object?>())
        {
            string name;
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                name = key[Prefix.Length..];
            }
            else if (key.StartsWith(AlternativePrefix, StringComparison.Ordinal))
            {
                name = key[AlternativePrefix.Length..];
            }
            else
            {
                continue;
            }

            var text = value switch
            {
                byte[] bytes => Utf8(bytes, key),
                string s => s,
                bool b => TypedExtension(typed, name, CloudEventAttributeType.Boolean, b ? "true" : "false"),
                int or long or short or sbyte or byte or uint or ushort => TypedExtension(
                    typed,
                    name,
                    CloudEventAttributeType.Integer,
                    Convert.ToString(value, CultureInfo.InvariantCulture)!),
                DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture),
                DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
                null => throw new InvalidCloudEventException(InvalidEventReason.Malformed, $"The property '{key}' has no value.", null),
                _ => throw new InvalidCloudEventException(
                    InvalidEventReason.Malformed,
                    $"The property '{key}' has an AMQP type ({value.GetType().Name}) that no CloudEvents attribute type maps to.",
                    null),
            };
            attributes.Add(new(name, text));
        }

        if (!string.IsNullOrEmpty(contentType))
        {
            attributes.Add(new("datacontenttype", contentType));
        }

        return CloudEventValidator.FromBinary(attributes, body, formatter, typed);
    }

    private static string Utf8(byte[] bytes, string key)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidCloudEventException(InvalidEventReason.Malformed, $"The property '{key}' is not valid UTF-8.", ex);
        }
    }

    private static string TypedExtension(List<CloudEventAttribute> typed, string name, CloudEventAttributeType type, string text)
    {
        if (CloudEventValidator.IsValidAttributeName(name) && typed.TrueForAll(a => a.Name != name)
            && !CloudEventsSpecVersion.V1_0.AllAttributes.Any(a => a.Name == name))
        {
            typed.Add(CloudEventAttribute.CreateExtension(name, type));
        }

        return text;
    }
}
