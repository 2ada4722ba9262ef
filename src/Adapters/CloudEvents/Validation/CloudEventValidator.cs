using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;

namespace Knative.Eventing.Metrics.CloudEvents;

/// <summary>
/// The one CloudEvents 1.0 validator of the project, used by every binding (HTTP, AMQP, Kafka): required
/// attributes, specversion, attribute naming, attribute value types (through the SDK's own parsing), and
/// JSON shape for structured and batch mode. Every failure is an <see cref="InvalidCloudEventException"/>
/// with a reason and a message that names the attribute, never the event's data.
/// </summary>
public static class CloudEventValidator
{
    /// <summary>The only specversion accepted.</summary>
    public const string SpecVersion = "1.0";

    private static readonly string[] Required = ["id", "source", "type"];

    /// <summary>Whether <paramref name="name"/> is a valid attribute name: lower-case ASCII letters and digits only.</summary>
    /// <param name="name">The name.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValidAttributeName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not (>= 'a' and <= 'z') and not (>= '0' and <= '9'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Builds a CloudEvent from binary-mode attributes (name → value as text, as HTTP headers, AMQP
    /// properties and Kafka headers carry them) and the message's data.
    /// </summary>
    /// <param name="attributes">The attributes, <c>datacontenttype</c> included when the binding carries it separately.</param>
    /// <param name="data">The message body (the event's data; empty for none).</param>
    /// <param name="formatter">Decodes the data according to <c>datacontenttype</c>.</param>
    /// <param name="extensionAttributes">Known extension attributes with their types; others are strings.</param>
    /// <returns>The validated event.</returns>
    /// <exception cref="InvalidCloudEventException">The attributes or data do not make a valid CloudEvent.</exception>
    public static CloudEvent FromBinary(
        IEnumerable<KeyValuePair<string, string>> attributes,
        ReadOnlyMemory<byte> data,
        CloudEventFormatter formatter,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(formatter);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in attributes)
        {
            if (!IsValidAttributeName(name))
            {
                throw Invalid(
                    InvalidEventReason.Malformed,
                    $"'{Printable(name)}' is not a valid CloudEvents attribute name (lower-case letters a-z and digits only).");
            }

            if (!values.TryAdd(name, value))
            {
                throw Invalid(InvalidEventReason.Malformed, $"The attribute '{name}' appears more than once.");
            }
        }

        CheckSpecVersionAndRequired(values.GetValueOrDefault("specversion"), name => values.TryGetValue(name, out var v) ? v : null);
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, extensionAttributes ?? []);
        foreach (var (name, value) in values)
        {
            if (name == "specversion")
            {
                continue;
            }

            try
            {
                cloudEvent.SetAttributeFromString(name, value);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
            {
                throw Invalid(InvalidEventReason.Malformed, $"The value of attribute '{name}' is not valid for its type: {ex.Message}", ex);
            }
        }

        if (!data.IsEmpty)
        {
            try
            {
                formatter.DecodeBinaryModeEventData(data, cloudEvent);
            }
            catch (Exception ex) when (IsDecodeFailure(ex))
            {
                throw Invalid(
                    InvalidEventReason.Malformed,
                    $"The data does not match its content type '{cloudEvent.DataContentType}': {ex.Message}",
                    ex);
            }
        }

        return Complete(cloudEvent);
    }

    /// <summary>Decodes and validates one structured-mode event (e.g. <c>application/cloudevents+json</c>).</summary>
    /// <param name="body">The message body.</param>
    /// <param name="contentType">The message's content type.</param>
    /// <param name="formatter">The event format's formatter.</param>
    /// <param name="extensionAttributes">Known extension attributes.</param>
    /// <returns>The validated event.</returns>
    /// <exception cref="InvalidCloudEventException">The body is not one valid CloudEvent.</exception>
    public static CloudEvent FromStructured(
        ReadOnlyMemory<byte> body,
        ContentType? contentType,
        CloudEventFormatter formatter,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        using (var document = ParseJson(body))
        {
            InspectJson(() => CheckJsonEvent(document.RootElement, position: null));
        }

        try
        {
            return Complete(formatter.DecodeStructuredModeMessage(body, contentType, extensionAttributes));
        }
        catch (Exception ex) when (ex is not InvalidCloudEventException && IsDecodeFailure(ex))
        {
            throw Invalid(InvalidEventReason.Malformed, $"The event could not be decoded: {ex.Message}", ex);
        }
    }

    /// <summary>Decodes and validates a batch (<c>application/cloudevents-batch+json</c>); one invalid event rejects the whole batch.</summary>
    /// <param name="body">The message body.</param>
    /// <param name="contentType">The message's content type.</param>
    /// <param name="formatter">The event format's formatter.</param>
    /// <param name="extensionAttributes">Known extension attributes.</param>
    /// <returns>The validated events, in order.</returns>
    /// <exception cref="InvalidCloudEventException">The body is not a JSON array of valid CloudEvents; the message names the first bad
    /// index.</exception>
    public static IReadOnlyList<CloudEvent> FromBatch(
        ReadOnlyMemory<byte> body,
        ContentType? contentType,
        CloudEventFormatter formatter,
        IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        using (var document = ParseJson(body))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(InvalidEventReason.Malformed, "A batch must be a JSON array of CloudEvents.");
            }

            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var position = index++;
                InspectJson(() => CheckJsonEvent(element, position));
            }
        }

        try
        {
            return formatter.DecodeBatchModeMessage(body, contentType, extensionAttributes).Select(Complete).ToList();
        }
        catch (Exception ex) when (ex is not InvalidCloudEventException && IsDecodeFailure(ex))
        {
            throw Invalid(InvalidEventReason.Malformed, $"The batch could not be decoded: {ex.Message}", ex);
        }
    }

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw Invalid(InvalidEventReason.Malformed, $"The body is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>JsonDocument validates UTF-8 inside strings only when they are read; that failure is malformed input.</summary>
    private static void InspectJson(Action inspect)
    {
        try
        {
            inspect();
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(InvalidEventReason.Malformed, $"The body is not valid UTF-8 JSON: {ex.Message}", ex);
        }
    }

    private static void CheckJsonEvent(JsonElement element, int? position)
    {
        var at = position is { } i ? $"Event {i} of the batch: " : string.Empty;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(InvalidEventReason.Malformed, $"{at}a CloudEvent in JSON must be an object.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw Invalid(InvalidEventReason.Malformed, $"{at}the attribute '{Printable(property.Name)}' appears more than once.");
            }

            if (property.Name is "data" or "data_base64")
            {
                continue;
            }

            if (!IsValidAttributeName(property.Name))
            {
                throw Invalid(
                    InvalidEventReason.Malformed,
                    $"{at}'{Printable(property.Name)}' is not a valid CloudEvents attribute name (lower-case letters a-z and digits only).");
            }

            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                throw Invalid(InvalidEventReason.Malformed, $"{at}the attribute '{property.Name}' must be a string, number or boolean.");
            }
        }

        string? Text(string name) => element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Null ? null : value.GetRawText()
            : null;
        try
        {
            CheckSpecVersionAndRequired(Text("specversion"), Text);
        }
        catch (InvalidCloudEventException ex) when (position is not null)
        {
            throw Invalid(ex.Reason, at + ex.Message, ex);
        }
    }

    private static void CheckSpecVersionAndRequired(string? specVersion, Func<string, string?> get)
    {
        if (string.IsNullOrEmpty(specVersion))
        {
            throw Invalid(InvalidEventReason.MissingAttribute, "The required attribute 'specversion' is missing.");
        }

        if (specVersion != SpecVersion)
        {
            throw Invalid(
                InvalidEventReason.InvalidSpecVersion,
                $"The specversion '{Printable(specVersion)}' is not supported; use '{SpecVersion}'.");
        }

        foreach (var name in Required)
        {
            if (string.IsNullOrEmpty(get(name)))
            {
                throw Invalid(InvalidEventReason.MissingAttribute, $"The required attribute '{name}' is missing or empty.");
            }
        }
    }

    private static CloudEvent Complete(CloudEvent cloudEvent)
    {
        try
        {
            return cloudEvent.Validate();
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid(InvalidEventReason.MissingAttribute, ex.Message, ex);
        }
    }

    private static string Printable(string value) =>
        value.Length > 64 ? string.Concat(value.AsSpan(0, 64), "…") : value;

    private static InvalidCloudEventException Invalid(
        InvalidEventReason reason,
        string message,
        Exception? inner = null) => new(reason, message, inner);

    /// <summary>The exceptions the SDK's formatters throw for input they cannot read (not programming errors).</summary>
    private static bool IsDecodeFailure(Exception ex) =>
        ex is JsonException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException;
}
