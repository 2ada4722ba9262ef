using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A real OTLP/HTTP metrics endpoint on 127.0.0.1 (free port): it answers <c>POST /v1/metrics</c>
/// (<c>application/x-protobuf</c>) with 200 and decodes each <c>ExportMetricsServiceRequest</c> with
/// Google.Protobuf's wire reader, by the field numbers of opentelemetry-proto's metrics/v1 messages
/// (no generated classes: the .proto files are not in the package registry).
/// </summary>
public sealed class OtlpMetricsReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpExport> _exports = new();

    private OtlpMetricsReceiver(WebApplication app) => _app = app;

    /// <summary>The base URL to give an exporter as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (protocol <c>http/protobuf</c>).</summary>
    public string Endpoint => _app.Urls.Single();

    /// <summary>Every export received so far, oldest first.</summary>
    public IReadOnlyList<OtlpExport> Exports => [.. _exports];

    /// <summary>Starts the receiver.</summary>
    public static async Task<OtlpMetricsReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpMetricsReceiver(app);
        app.MapPost("/v1/metrics", async (HttpContext context) =>
        {
            if (context.Request.ContentType != "application/x-protobuf")
            {
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            receiver._exports.Enqueue(OtlpExport.Parse(body.ToArray()));
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until an export satisfies <paramref name="condition"/>; returns it.</summary>
    /// <exception cref="TimeoutException">None did within <paramref name="timeout"/> (the message says what arrived).</exception>
    public async Task<OtlpExport> WaitForAsync(Func<OtlpExport, bool> condition, TimeSpan timeout)
    {
        var export = await Poll.UntilAsync(() => Task.FromResult(_exports.LastOrDefault(condition)), e => e is not null, timeout, TimeSpan.FromMilliseconds(100));
        return export ?? throw new TimeoutException($"No OTLP export matched within {timeout}; {_exports.Count} received, metric names in the last: {string.Join(", ", _exports.LastOrDefault()?.Metrics.Select(m => m.Name) ?? [])}");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One <c>ExportMetricsServiceRequest</c>: the resource attributes and every metric of every scope.</summary>
public sealed record OtlpExport(IReadOnlyDictionary<string, object?> Resource, IReadOnlyList<OtlpMetric> Metrics)
{
    /// <summary>The metric named <paramref name="name"/> in scope <paramref name="scope"/>.</summary>
    public OtlpMetric? Find(string scope, string name) => Metrics.SingleOrDefault(m => m.Scope == scope && m.Name == name);

    internal static OtlpExport Parse(byte[] request)
    {
        var resource = new Dictionary<string, object?>();
        var metrics = new List<OtlpMetric>();
        foreach (var resourceMetrics in Fields(request).Where(f => f.Number == 1))
        {
            foreach (var field in Fields(resourceMetrics.Bytes))
            {
                if (field.Number == 1)
                {
                    foreach (var attribute in Fields(field.Bytes).Where(f => f.Number == 1))
                    {
                        Attribute(attribute.Bytes, resource);
                    }
                }
                else if (field.Number == 2)
                {
                    ScopeMetrics(field.Bytes, metrics);
                }
            }
        }

        return new OtlpExport(resource, metrics);
    }

    private static void ScopeMetrics(byte[] scopeMetrics, List<OtlpMetric> metrics)
    {
        var scope = string.Empty;
        foreach (var field in Fields(scopeMetrics))
        {
            if (field.Number == 1)
            {
                scope = Fields(field.Bytes).Where(f => f.Number == 1).Select(f => f.Text).FirstOrDefault() ?? string.Empty;
            }
            else if (field.Number == 2)
            {
                metrics.Add(Metric(scope, field.Bytes));
            }
        }
    }

    private static OtlpMetric Metric(string scope, byte[] metric)
    {
        string name = string.Empty, unit = string.Empty, kind = string.Empty;
        var points = new List<OtlpPoint>();
        bool? monotonic = null;
        foreach (var field in Fields(metric))
        {
            switch (field.Number)
            {
                case 1: name = field.Text; break;
                case 3: unit = field.Text; break;
                case 5 or 7 or 9:
                    kind = field.Number switch { 5 => "gauge", 7 => "sum", _ => "histogram" };
                    foreach (var data in Fields(field.Bytes))
                    {
                        if (data.Number == 1)
                        {
                            points.Add(field.Number == 9 ? HistogramPoint(data.Bytes) : NumberPoint(data.Bytes));
                        }
                        else if (data.Number == 3 && field.Number == 7)
                        {
                            monotonic = data.Varint != 0;
                        }
                    }

                    break;
            }
        }

        return new OtlpMetric(scope, name, unit, kind == "sum" && monotonic == false ? "updowncounter" : kind, points);
    }

    private static OtlpPoint NumberPoint(byte[] point)
    {
        var attributes = new Dictionary<string, object?>();
        double value = 0;
        foreach (var field in Fields(point))
        {
            switch (field.Number)
            {
                case 7: Attribute(field.Bytes, attributes); break;
                case 4: value = BitConverter.UInt64BitsToDouble(field.Fixed64); break;
                case 6: value = unchecked((long)field.Fixed64); break;
            }
        }

        return new OtlpPoint(attributes, value, 0, [], []);
    }

    private static OtlpPoint HistogramPoint(byte[] point)
    {
        var attributes = new Dictionary<string, object?>();
        ulong count = 0;
        double sum = 0;
        var buckets = new List<ulong>();
        var bounds = new List<double>();
        foreach (var field in Fields(point))
        {
            switch (field.Number)
            {
                case 9: Attribute(field.Bytes, attributes); break;
                case 4: count = field.Fixed64; break;
                case 5: sum = BitConverter.UInt64BitsToDouble(field.Fixed64); break;
                case 6: buckets.AddRange(field.PackedFixed64()); break;
                case 7: bounds.AddRange(field.PackedFixed64().Select(BitConverter.UInt64BitsToDouble)); break;
            }
        }

        return new OtlpPoint(attributes, sum, count, bounds, buckets);
    }

    /// <summary>One <c>KeyValue</c>: its key and its <c>AnyValue</c> (string, bool, int or double).</summary>
    private static void Attribute(byte[] keyValue, Dictionary<string, object?> into)
    {
        string? key = null;
        object? value = null;
        foreach (var part in Fields(keyValue))
        {
            if (part.Number == 1)
            {
                key = part.Text;
            }
            else if (part.Number == 2)
            {
                value = Fields(part.Bytes).Select(v => v.Number switch
                {
                    1 => (object?)v.Text,
                    2 => v.Varint != 0,
                    3 => (long)v.Varint,
                    4 => BitConverter.UInt64BitsToDouble(v.Fixed64),
                    _ => null,
                }).FirstOrDefault();
            }
        }

        if (key is not null)
        {
            into[key] = value;
        }
    }

    private static List<WireField> Fields(byte[] message)
    {
        var fields = new List<WireField>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            switch (wire)
            {
                case WireFormat.WireType.Varint: fields.Add(new WireField(number, wire, input.ReadUInt64(), 0, [])); break;
                case WireFormat.WireType.Fixed64: fields.Add(new WireField(number, wire, 0, input.ReadFixed64(), [])); break;
                case WireFormat.WireType.LengthDelimited: fields.Add(new WireField(number, wire, 0, 0, input.ReadBytes().ToByteArray())); break;
                default: input.SkipLastField(); break;
            }
        }

        return fields;
    }

    /// <summary>One field as read off the wire.</summary>
    private sealed record WireField(int Number, WireFormat.WireType Wire, ulong Varint, ulong Fixed64, byte[] Bytes)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Bytes);

        /// <summary>A repeated fixed64/double field: packed (one length-delimited run) or one value.</summary>
        public IEnumerable<ulong> PackedFixed64() =>
            Wire == WireFormat.WireType.Fixed64 ? [Fixed64] : Enumerable.Range(0, Bytes.Length / 8).Select(i => BitConverter.ToUInt64(Bytes, i * 8));
    }
}

/// <summary>One exported metric: its scope (meter), name, unit, kind (gauge, sum, updowncounter, histogram) and points.</summary>
public sealed record OtlpMetric(string Scope, string Name, string Unit, string Kind, IReadOnlyList<OtlpPoint> Points)
{
    /// <summary>The sum over points matching <paramref name="attributes"/> of their values (histograms: counts).</summary>
    public double Total(params (string Key, object? Value)[] attributes) =>
        Points.Where(p => attributes.All(a => p.Attributes.TryGetValue(a.Key, out var v) && Equals(v, a.Value)))
            .Sum(p => Kind == "histogram" ? p.Count : p.Value);
}

/// <summary>One data point: attributes, value (histograms: sum), count, bucket bounds and counts.</summary>
public sealed record OtlpPoint(IReadOnlyDictionary<string, object?> Attributes, double Value, ulong Count, IReadOnlyList<double> Bounds, IReadOnlyList<ulong> BucketCounts);
