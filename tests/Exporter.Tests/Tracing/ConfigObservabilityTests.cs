using System.Diagnostics;
using System.Net;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Tracing;

/// <summary>
/// Knative's <c>config-observability</c> ConfigMap among the <c>--manifests</c> sends the spans where its <c>tracing-endpoint</c> says,
/// with no <c>OTEL_*</c> setting: the same ConfigMap an operator already has for Knative's own components.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ConfigObservabilityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-config-observability-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_configmaps_tracing_endpoint_receives_the_events_spans()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var subscriber = await CountingSubscriber.StartAsync();
        var manifests = Path.Combine(_directory, "app.yaml");
        await File.WriteAllTextAsync(manifests, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata:
              name: default
              namespace: shop
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: orders
              namespace: shop
            spec:
              broker: default
              subscriber:
                uri: {subscriber.Url}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: config-observability
              namespace: knative-eventing
            data:
              tracing-protocol: http/protobuf
              tracing-endpoint: {receiver.Endpoint.TrimEnd('/')}/v1/traces
              tracing-sampling-rate: "1"
            """);
        await using var exporter = await RunningExporter.StartAsync("--no-game", "--manifests", manifests, "--OTEL_BSP_SCHEDULE_DELAY", "100");
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = BinaryCloudEvent.Post($"{exporter.IngressUrl}/shop/default", "order-1", "order.created", "/shop", "{}"u8.ToArray());
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var accepted = await exporter.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var spans = await receiver.WaitForSpansAsync(s => s.Count(x => x.TraceId == traceId) >= 4, TimeSpan.FromSeconds(30));

        Assert.Equal(
            ["process trigger:orders.shop", "publish broker:default.shop", "send broker:default.shop", "send trigger:orders.shop"],
            spans.Where(s => s.TraceId == traceId).Select(s => s.Name).Order(StringComparer.Ordinal));
    }
}
