using System.Globalization;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// Knative's <c>config-observability</c> ConfigMap (namespace <c>knative-eventing</c>) in <c>--manifests</c>, read as Knative reads its
/// tracing keys (knative/eventing 8cf4c4b6, vendor/knative.dev/pkg/observability/tracing/config.go:27-56 and 75-77, provider.go:167-197;
/// config/core/configmaps/observability.yaml:71-84) and turned into OpenTelemetry's settings:
/// <list type="bullet">
/// <item><c>tracing-protocol</c> <c>grpc</c> or <c>http/protobuf</c> with <c>tracing-endpoint</c> (required) →
/// <c>OTEL_EXPORTER_OTLP_TRACES_PROTOCOL</c> and <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> (used as given, e.g. <c>…:4318/v1/traces</c>);
/// <c>none</c> (Knative's default) exports nothing and takes no endpoint; <c>stdout</c> is refused (the live view shows the spans).</item>
/// <item><c>tracing-sampling-rate</c> 0 to 1 → <c>OTEL_TRACES_SAMPLER</c>: <c>always_on</c> at 1 or more, <c>always_off</c> at 0,
/// otherwise <c>parentbased_traceidratio</c> with the rate as <c>OTEL_TRACES_SAMPLER_ARG</c>, as Knative's <c>sampleFor</c>.</item>
/// </list>
/// These are defaults: <c>OTEL_*</c> environment variables and <c>--OTEL_*</c> settings override them (Knative also lets
/// <c>OTEL_TRACES_SAMPLER</c> win). Anything else wrong stops startup with the file, document and field.
/// </summary>
internal static class ObservabilityConfigMap
{
    public const string Name = "config-observability";
    public const string Namespace = "knative-eventing";

    /// <summary>The OpenTelemetry settings the ConfigMap in <paramref name="paths"/> gives (none when there is none).</summary>
    /// <exception cref="ManifestException">A tracing key has a value Knative refuses, or one the exporter cannot honour.</exception>
    public static IReadOnlyDictionary<string, string?> OpenTelemetrySettings(IEnumerable<string> paths)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var file in KnativeManifests.Files(paths))
        {
            foreach (var (root, _) in KnativeManifests.Documents(file, []))
            {
                if (root.String("apiVersion") == "v1" && root.String("kind") == "ConfigMap"
                    && root.Mapping("metadata") is { } metadata && metadata.String("name") == Name
                    && (metadata.String("namespace") ?? "default") == Namespace && root.Mapping("data") is { } data)
                {
                    Read(data, settings);
                }
            }
        }

        return settings;
    }

    private static void Read(ManifestNode data, Dictionary<string, string?> settings)
    {
        var protocol = data.String("tracing-protocol") ?? "none";
        var endpoint = data.String("tracing-endpoint");
        switch (protocol)
        {
            case "grpc" or "http/protobuf":
                if (string.IsNullOrWhiteSpace(endpoint))
                {
                    throw data.Error("tracing-endpoint", $"is required when tracing-protocol is '{protocol}' (as Knative requires)");
                }

                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw data.Error("tracing-endpoint", $"'{endpoint}' is not an absolute http(s) URL");
                }

                settings["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = protocol;
                settings["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = endpoint;
                break;
            case "none":
                if (!string.IsNullOrEmpty(endpoint))
                {
                    throw data.Error("tracing-endpoint", "must not be set when tracing-protocol is 'none' (as Knative requires)");
                }

                break;
            case "stdout":
                throw data.Error(
                    "tracing-protocol", "'stdout' is not supported by the exporter: use the live view's event trail, or an OTLP endpoint");
            default:
                throw data.Error("tracing-protocol", $"'{protocol}' is not one of none, grpc, http/protobuf (Knative's values)");
        }

        if (data.String("tracing-sampling-rate") is { } text)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate is < 0 or > 1 || double.IsNaN(rate))
            {
                throw data.Error("tracing-sampling-rate", $"'{text}' is not a number from 0 to 1");
            }

            settings["OTEL_TRACES_SAMPLER"] = rate >= 1 ? "always_on" : rate <= 0 ? "always_off" : "parentbased_traceidratio";
            settings["OTEL_TRACES_SAMPLER_ARG"] = rate is > 0 and < 1 ? rate.ToString(CultureInfo.InvariantCulture) : null;
        }
    }
}
