namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// One span of an <c>ExportTraceServiceRequest</c> (opentelemetry-proto trace/v1: <c>ResourceSpans</c> 1 → <c>ScopeSpans</c> 2 →
/// <c>Span</c> 2): ids in lower-case hex, name, kind (1 internal, 2 server, 3 client, 4 producer, 5 consumer), attributes and
/// status code (0 unset, 1 ok, 2 error).
/// </summary>
public sealed record OtlpSpan(
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    IReadOnlyDictionary<string, object?> Attributes,
    int StatusCode)
{
    /// <summary>Span kinds as OTLP numbers them.</summary>
    public const int Server = 2, Client = 3, Producer = 4, Consumer = 5;

    /// <summary>The attribute <paramref name="key"/>, or null.</summary>
    public object? this[string key] => Attributes.GetValueOrDefault(key);

    internal static IEnumerable<OtlpSpan> ParseAll(byte[] request)
    {
        foreach (var resourceSpans in OtlpWire.Fields(request).Where(f => f.Number == 1))
        {
            foreach (var scopeSpans in OtlpWire.Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                var scope = string.Empty;
                foreach (var field in OtlpWire.Fields(scopeSpans.Bytes))
                {
                    if (field.Number == 1)
                    {
                        scope = OtlpWire.Fields(field.Bytes).Where(f => f.Number == 1).Select(f => f.Text).FirstOrDefault() ?? string.Empty;
                    }
                    else if (field.Number == 2)
                    {
                        yield return Parse(scope, field.Bytes);
                    }
                }
            }
        }
    }

    private static OtlpSpan Parse(string scope, byte[] span)
    {
        string traceId = string.Empty, spanId = string.Empty, parent = string.Empty, name = string.Empty;
        var kind = 0;
        var status = 0;
        var attributes = new Dictionary<string, object?>();
        foreach (var field in OtlpWire.Fields(span))
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(field.Bytes); break;
                case 2: spanId = Convert.ToHexStringLower(field.Bytes); break;
                case 4: parent = Convert.ToHexStringLower(field.Bytes); break;
                case 5: name = field.Text; break;
                case 6: kind = (int)field.Varint; break;
                case 9: OtlpWire.Attribute(field.Bytes, attributes); break;
                case 15: status = OtlpWire.Fields(field.Bytes).Where(f => f.Number == 3).Select(f => (int)f.Varint).FirstOrDefault(); break;
            }
        }

        return new OtlpSpan(scope, traceId, spanId, parent, name, kind, attributes, status);
    }
}
