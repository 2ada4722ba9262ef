using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace Knative.Eventing.Metrics.Tests.Tracing;

/// <summary>
/// Malformed <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> from a sender: never an exception, never passed on as
/// given. A context that is not valid W3C is dropped (the event starts a new trace); oversized baggage is dropped.
/// </summary>
[Trait("Category", "Unit")]
public sealed class MalformedContextTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    public static TheoryData<string> BadTraceParents() =>
    [
        string.Empty,
        "garbage",
        $"ff-{TraceId}-00f067aa0ba902b7-01", // version ff is forbidden
        $"00-{TraceId}-00f067aa0ba902b7-01-extra", // version 00 has exactly four fields
        $"00-{TraceId[..31]}-00f067aa0ba902b7-01", // short trace id
        $"00-{TraceId}0-00f067aa0ba902b7-01", // long trace id
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // all-zero trace id
        $"00-{TraceId}-0000000000000000-01", // all-zero span id
        $"00-{TraceId.ToUpperInvariant()}-00F067AA0BA902B7-01", // upper case
        $"00-{TraceId}-00f067aa0ba902b7-zz", // flags not hex
        new string('0', 8 * 1024),
    ];

    [Theory]
    [MemberData(nameof(BadTraceParents))]
    public void A_malformed_traceparent_gives_no_context(string traceParent)
    {
        var context = Read(("traceparent", traceParent), ("tracestate", "a=b"));

        Assert.Equal(default, context.ActivityContext);
        Assert.Empty(Written(context));
    }

    [Fact]
    public void Oversized_or_malformed_baggage_is_dropped_and_a_valid_traceparent_still_counts()
    {
        var huge = string.Join(',', Enumerable.Range(0, 1000).Select(i => $"k{i}={new string('v', 8)}")); // ~14 KiB, 1,000 entries
        var context = Read(("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01"), ("baggage", huge));

        Assert.Equal(TraceId, context.ActivityContext.TraceId.ToHexString());
        var written = Written(context);
        Assert.Equal($"00-{TraceId}-00f067aa0ba902b7-01", written["traceparent"]);
        Assert.True(!written.TryGetValue("baggage", out var baggage) || baggage.Length <= 8192, "baggage passed on beyond the W3C limit");
    }

    [Fact]
    public void A_tracestate_beyond_the_w3c_limits_is_not_passed_on()
    {
        var tooMany = string.Join(',', Enumerable.Range(0, 40).Select(i => $"k{i}=v")); // W3C: at most 32 entries
        var context = Read(("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01"), ("tracestate", tooMany));

        Assert.False(Written(context).ContainsKey("tracestate"));
    }

    [Fact]
    public void A_carrier_that_throws_gives_no_context_and_no_exception()
    {
        var context = KnativeEventingTracing.Extract<object?>(null, static (_, _) => throw new InvalidOperationException("broken carrier"));
        Assert.Equal(default, context.ActivityContext);
        KnativeEventingTracing.Inject(new PropagationContext(new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded), default), 0, static (_, _, _) => throw new InvalidOperationException("refused"));
    }

    private static PropagationContext Read(params (string Name, string Value)[] headers) =>
        KnativeEventingTracing.Extract(headers, static (h, name) => h.Where(x => x.Name == name).Select(x => x.Value).ToArray() is { Length: > 0 } v ? v : null);

    private static Dictionary<string, string> Written(PropagationContext context)
    {
        var written = new Dictionary<string, string>();
        KnativeEventingTracing.Inject(context, written, static (h, k, v) => h[k] = v);
        return written;
    }
}
