namespace Knative.Eventing.Metrics.Broker.Security;

/// <summary>
/// Knative's <c>default-authorization-mode</c> (config-features): who may send to a broker that no EventPolicy applies to
/// (knative/eventing 8cf4c4b6, pkg/auth/verifier.go:206-218; pkg/apis/feature/features.go: default allow-same-namespace).
/// </summary>
internal enum AuthorizationMode
{
    /// <summary><c>allow-same-namespace</c> (the default): subjects <c>system:serviceaccount:&lt;the broker's namespace&gt;:*</c>.</summary>
    AllowSameNamespace,

    /// <summary><c>allow-all</c>: every authenticated sender.</summary>
    AllowAll,

    /// <summary><c>deny-all</c>: nobody.</summary>
    DenyAll,
}

/// <summary>The names Knative gives the modes.</summary>
internal static class AuthorizationModes
{
    public static readonly IReadOnlyDictionary<string, AuthorizationMode> ByName = new Dictionary<string, AuthorizationMode>(StringComparer.Ordinal)
    {
        ["allow-same-namespace"] = AuthorizationMode.AllowSameNamespace,
        ["allow-all"] = AuthorizationMode.AllowAll,
        ["deny-all"] = AuthorizationMode.DenyAll,
    };

    public static string Name(this AuthorizationMode mode) => ByName.First(m => m.Value == mode).Key;
}
