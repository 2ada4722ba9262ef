using System.Diagnostics;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Tracing;

/// <summary>
/// What the tracing tests share: a trigger <c>traced</c> on demo/default for events of type <c>trace.test</c> only (the game's
/// triggers filter them), and such an event sent with a sampled <c>traceparent</c> of a fresh trace.
/// </summary>
internal static class TracedTrigger
{
    public const string Name = "traced";
    public const string EventType = "trace.test";

    /// <summary>Exporter arguments declaring the trigger (an index after the game's), with extra <c>Delivery:</c> settings.</summary>
    public static string[] Args(string subscriberUrl, params (string Key, string Value)[] delivery)
    {
        const string Key = "--Broker:Triggers:8:";
        return
        [
            Key + "Name", Name, Key + "Namespace", "demo", Key + "Broker", "default",
            Key + "Filter:Attributes:type", EventType, Key + "Subscriber", subscriberUrl,
            .. delivery.SelectMany(d => new[] { $"{Key}Delivery:{d.Key}", d.Value }),
        ];
    }

    /// <summary>A POST of event <paramref name="id"/> to demo/default with a sampled <c>traceparent</c>; returns it and its trace and span ids.</summary>
    public static (HttpRequestMessage Request, string TraceId, string SpanId) Event(string ingressUrl, string id)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        var request = BinaryCloudEvent.Post($"{ingressUrl}/demo/default", id, EventType, "/trace", "{}"u8.ToArray());
        request.Headers.Add("traceparent", $"00-{traceId}-{spanId}-01");
        return (request, traceId, spanId);
    }
}
