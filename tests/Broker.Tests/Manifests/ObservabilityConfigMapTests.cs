using Knative.Eventing.Metrics.Broker.Manifests;

namespace Knative.Eventing.Metrics.Broker.Tests.Manifests;

/// <summary>
/// Knative's <c>config-observability</c> tracing keys become OpenTelemetry's settings as Knative reads them
/// (knative/eventing 8cf4c4b6 vendor/knative.dev/pkg/observability/tracing/config.go:27-56, provider.go:167-197); values
/// Knative refuses stop startup with the file, document and field.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ObservabilityConfigMapTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-observability-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string> Mappings() => new()
    {
        { "tracing-protocol: http/protobuf\n    tracing-endpoint: http://jaeger:4318/v1/traces\n    tracing-sampling-rate: \"1\"",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://jaeger:4318/v1/traces;OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf;OTEL_TRACES_SAMPLER=always_on;OTEL_TRACES_SAMPLER_ARG=" },
        { "tracing-protocol: grpc\n    tracing-endpoint: http://collector:4317\n    tracing-sampling-rate: \"0.25\"",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://collector:4317;OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc;OTEL_TRACES_SAMPLER=parentbased_traceidratio;OTEL_TRACES_SAMPLER_ARG=0.25" },
        { "tracing-sampling-rate: \"0\"", "OTEL_TRACES_SAMPLER=always_off;OTEL_TRACES_SAMPLER_ARG=" },
        { "tracing-protocol: none", string.Empty },
        { "metrics-protocol: prometheus", string.Empty },
    };

    [Theory]
    [MemberData(nameof(Mappings))]
    public void Knatives_tracing_keys_become_opentelemetry_settings(string data, string expected)
    {
        var settings = ObservabilityConfigMap.OpenTelemetrySettings([Write(data)]);

        Assert.Equal(expected, string.Join(';', settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}")));
    }

    [Theory]
    [InlineData("tracing-protocol: grpc", "data.tracing-endpoint: is required when tracing-protocol is 'grpc'")]
    [InlineData("tracing-protocol: none\n    tracing-endpoint: http://x:4318", "data.tracing-endpoint: must not be set when tracing-protocol is 'none'")]
    [InlineData("tracing-protocol: zipkin", "data.tracing-protocol: 'zipkin' is not one of none, grpc, http/protobuf")]
    [InlineData("tracing-protocol: stdout", "data.tracing-protocol: 'stdout' is not supported by the exporter")]
    [InlineData("tracing-protocol: http/protobuf\n    tracing-endpoint: collector:4318", "data.tracing-endpoint: 'collector:4318' is not an absolute http(s) URL")]
    [InlineData("tracing-sampling-rate: \"1.5\"", "data.tracing-sampling-rate: '1.5' is not a number from 0 to 1")]
    [InlineData("tracing-sampling-rate: half", "data.tracing-sampling-rate: 'half' is not a number from 0 to 1")]
    public void Values_knative_refuses_stop_startup_naming_file_document_and_field(string data, string message)
    {
        var path = Write(data);

        var error = Assert.Throws<ManifestException>(() => ObservabilityConfigMap.OpenTelemetrySettings([path]));

        Assert.StartsWith($"{path}: document 2: {message}", error.Message);
    }

    [Fact]
    public void A_configmap_of_another_name_or_namespace_is_not_read()
    {
        var path = Path.Combine(_directory, "other.yaml");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: config-observability
              namespace: default
            data:
              tracing-protocol: zipkin
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: config-tracing
              namespace: knative-eventing
            data:
              tracing-protocol: zipkin
            """);

        Assert.Empty(ObservabilityConfigMap.OpenTelemetrySettings([path]));
    }

    private string Write(string data)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata:
              name: default
              namespace: demo
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: config-observability
              namespace: knative-eventing
            data:
                {data}
            """);
        return path;
    }
}
