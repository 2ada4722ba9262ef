using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A real OTLP/HTTP endpoint on 127.0.0.1 (free port): it answers <c>POST /v1/metrics</c> and <c>POST /v1/traces</c>
/// (<c>application/x-protobuf</c>) with 200 and decodes each <c>ExportMetricsServiceRequest</c> and
/// <c>ExportTraceServiceRequest</c> with Google.Protobuf's wire reader, by the field numbers of opentelemetry-proto's
/// metrics/v1 and trace/v1 messages (no generated classes: the .proto files are not in the package registry).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpExport> _exports = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>Every span received so far, in the order they arrived.</summary>
    public IReadOnlyList<OtlpSpan> Spans => [.. _spans];

    /// <summary>The base URL to give an exporter as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (protocol <c>http/protobuf</c>).</summary>
    public string Endpoint => _app.Urls.Single();

    /// <summary>Every export received so far, oldest first.</summary>
    public IReadOnlyList<OtlpExport> Exports => [.. _exports];

    /// <summary>Starts the receiver.</summary>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/metrics", (Func<HttpContext, Task<IResult>>)(context => ReadAsync(context, body => receiver._exports.Enqueue(OtlpExport.Parse(body)))));
        app.MapPost("/v1/traces", (Func<HttpContext, Task<IResult>>)(context => ReadAsync(context, body =>
        {
            foreach (var span in OtlpSpan.ParseAll(body))
            {
                receiver._spans.Enqueue(span);
            }
        })));
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until the spans received satisfy <paramref name="condition"/>; returns them.</summary>
    /// <exception cref="TimeoutException">They did not within <paramref name="timeout"/> (the message lists the span names).</exception>
    public async Task<IReadOnlyList<OtlpSpan>> WaitForSpansAsync(Func<IReadOnlyList<OtlpSpan>, bool> condition, TimeSpan timeout)
    {
        var spans = await Poll.UntilAsync(() => Task.FromResult(Spans), condition, timeout, TimeSpan.FromMilliseconds(100));
        return condition(spans)
            ? spans
            : throw new TimeoutException($"The spans received did not match within {timeout}: {string.Join(", ", spans.Select(s => s.Name))}");
    }

    private static async Task<IResult> ReadAsync(HttpContext context, Action<byte[]> parse)
    {
        if (context.Request.ContentType != "application/x-protobuf")
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        parse(body.ToArray());
        return Results.Ok();
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
        foreach (var resourceMetrics in OtlpWire.Fields(request).Where(f => f.Number == 1))
        {
            foreach (var field in OtlpWire.Fields(resourceMetrics.Bytes))
            {
                if (field.Number == 1)
                {
                    foreach (var attribute in OtlpWire.Fields(field.Bytes).Where(f => f.Number == 1))
                    {
                        OtlpWire.Attribute(attribute.Bytes, resource);
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
        foreach (var field in OtlpWire.Fields(scopeMetrics))
        {
            if (field.Number == 1)
            {
                scope = OtlpWire.Fields(field.Bytes).Where(f => f.Number == 1).Select(f => f.Text).FirstOrDefault() ?? string.Empty;
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
        foreach (var field in OtlpWire.Fields(metric))
        {
            switch (field.Number)
            {
                case 1: name = field.Text; break;
                case 3: unit = field.Text; break;
                case 5 or 7 or 9:
                    kind = field.Number switch { 5 => "gauge", 7 => "sum", _ => "histogram" };
                    foreach (var data in OtlpWire.Fields(field.Bytes))
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
        foreach (var field in OtlpWire.Fields(point))
        {
            switch (field.Number)
            {
                case 7: OtlpWire.Attribute(field.Bytes, attributes); break;
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
        foreach (var field in OtlpWire.Fields(point))
        {
            switch (field.Number)
            {
                case 9: OtlpWire.Attribute(field.Bytes, attributes); break;
                case 4: count = field.Fixed64; break;
                case 5: sum = BitConverter.UInt64BitsToDouble(field.Fixed64); break;
                case 6: buckets.AddRange(field.PackedFixed64()); break;
                case 7: bounds.AddRange(field.PackedFixed64().Select(BitConverter.UInt64BitsToDouble)); break;
            }
        }

        return new OtlpPoint(attributes, sum, count, bounds, buckets);
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
