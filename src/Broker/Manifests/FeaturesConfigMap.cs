using Knative.Eventing.Metrics.Broker.Security;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// Knative's <c>config-features</c> ConfigMap (namespace <c>knative-eventing</c>) in <c>--manifests</c>: the keys about who may
/// send (knative/eventing 8cf4c4b6, pkg/apis/feature/flag_names.go and features.go; config/core/configmaps/features.yaml):
/// <c>authentication-oidc</c> (<c>enabled</c>/<c>disabled</c>; the exporter needs <c>--oidc-issuer</c> to honour
/// <c>enabled</c>, since it cannot ask a cluster for its issuer) and <c>default-authorization-mode</c>
/// (<c>allow-same-namespace</c>, Knative's default, <c>allow-all</c>, <c>deny-all</c>). Other features are Knative's own and ignored.
/// </summary>
internal sealed record FeaturesConfigMap(bool? Oidc, AuthorizationMode Mode, ManifestNode Data)
{
    public const string Name = "config-features";
    public const string Namespace = "knative-eventing";
    public const string OidcKey = "authentication-oidc";
    public const string ModeKey = "default-authorization-mode";

    /// <summary>Whether a document is this ConfigMap.</summary>
    public static bool Is(ManifestNode root) =>
        root.String("apiVersion") == "v1" && root.String("kind") == "ConfigMap" && root.Mapping("metadata") is { } metadata
        && metadata.String("name") == Name && (metadata.String("namespace") ?? "default") == Namespace;

    public static FeaturesConfigMap Read(ManifestNode root)
    {
        var data = root.Mapping("data") ?? throw root.Error("data", "is required");
        bool? oidc = data.String(OidcKey)?.ToLowerInvariant() switch
        {
            null => null,
            "enabled" => true,
            "disabled" => false,
            var other => throw data.Error(OidcKey, $"'{other}' is not enabled or disabled"),
        };
        var mode = data.String(ModeKey) is { } text
            ? AuthorizationModes.ByName.TryGetValue(text.ToLowerInvariant(), out var m)
                ? m
                : throw data.Error(ModeKey, $"'{text}' is not one of {string.Join(", ", AuthorizationModes.ByName.Keys)}")
            : AuthorizationMode.AllowSameNamespace;
        return new FeaturesConfigMap(oidc, mode, data);
    }
}
