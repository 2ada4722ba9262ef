using System.Security.Cryptography;
using System.Text;
using Knative.Eventing.Metrics.Broker.Security;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// An <c>eventing.knative.dev/v1alpha1</c> EventPolicy, validated as Knative's webhook does (knative/eventing 8cf4c4b6,
/// pkg/apis/eventing/v1alpha1/eventpolicy_validation.go:37-118, eventpolicy_defaults.go:31-41):
/// <list type="bullet">
/// <item><c>spec.to[]</c>: exactly one of <c>ref</c> (apiVersion, kind, name) or <c>selector</c> (apiVersion, kind,
/// matchLabels, matchExpressions). Entries naming a kind other than <c>eventing.knative.dev</c> Broker apply to nothing the
/// exporter runs (a warning).</item>
/// <item><c>spec.from[]</c>: exactly one of <c>ref</c> (apiVersion, kind, name, namespace defaulting to the policy's) or
/// <c>sub</c> (<c>*</c> only as its last character). A ref names the OIDC service account Knative gives that resource:
/// <c>system:serviceaccount:&lt;namespace&gt;:&lt;name&gt;-oidc-&lt;group&gt;-&lt;kind&gt;</c>, lower case, shortened with an MD5
/// hash past 63 characters as Knative does (pkg/auth/serviceaccount.go:52-57, kmeta.ChildName).</item>
/// <item><c>spec.filters</c>: the subscriptions-API dialects, as a Trigger's.</item>
/// </list>
/// </summary>
internal static class EventPolicyManifest
{
    public static EventPolicy Read(ManifestNode root, string name, string ns)
    {
        var spec = root.Mapping("spec") ?? throw root.Error("spec", "is required");
        var to = new List<EventPolicyTarget>();
        foreach (var entry in spec.Sequence("to") ?? [])
        {
            var target = OneOf(entry, "ref", "selector");
            if (target == "ref")
            {
                var reference = entry.Mapping("ref")!;
                var (group, kind, refName) = (Group(reference), reference.RequiredString("kind"), reference.RequiredString("name"));
                reference.RejectUnknown("apiVersion, kind, name");
                to.Add(IsBroker(group, kind) ? new EventPolicyTarget(refName, null) : NotABroker(reference, group, kind));
            }
            else
            {
                var selector = entry.Mapping("selector")!;
                var (group, kind) = (Group(selector), selector.RequiredString("kind"));
                var labels = new LabelSelector(selector.StringMap("matchLabels") ?? new Dictionary<string, string>(), Requirements(selector));
                selector.RejectUnknown("apiVersion, kind, matchLabels, matchExpressions");
                to.Add(IsBroker(group, kind) ? new EventPolicyTarget(null, labels) : NotABroker(selector, group, kind));
            }

            entry.RejectUnknown("ref, selector");
        }

        var from = new List<string>();
        foreach (var entry in spec.Sequence("from") ?? [])
        {
            if (OneOf(entry, "ref", "sub") == "sub")
            {
                var sub = entry.RequiredString("sub");
                if (sub.IndexOf('*', StringComparison.Ordinal) is var star and >= 0 && star < sub.Length - 1)
                {
                    throw entry.Error("sub", $"'{sub}': '*' is only allowed as its last character (as Knative's webhook requires)");
                }

                from.Add(sub);
            }
            else
            {
                var reference = entry.Mapping("ref")!;
                var (group, kind, refName) = (Group(reference), reference.RequiredString("kind"), reference.RequiredString("name"));
                var refNamespace = reference.String("namespace") is { Length: > 0 } n ? n : ns;
                reference.RejectUnknown("apiVersion, kind, name, namespace");
                from.Add($"system:serviceaccount:{refNamespace}:{OidcServiceAccount(refName, group, kind)}");
            }

            entry.RejectUnknown("ref, sub");
        }

        var filter = FilterManifest.List(spec, "filters");
        spec.RejectUnknown("to, from, filters");
        root.RejectUnknown("apiVersion, kind, metadata, spec");
        return new EventPolicy(ns, name, to, from, filter, root.Where);
    }

    /// <summary>The OIDC service account Knative makes for a resource: <c>kmeta.ChildName(name, "-oidc-&lt;group&gt;-&lt;kind&gt;")</c>,
    /// lower case.</summary>
    internal static string OidcServiceAccount(string name, string group, string kind) =>
        ChildName(name, $"-oidc-{group}-{kind}").ToLowerInvariant();

    /// <summary>knative.dev/pkg/kmeta/names.go ChildName: at most 63 characters, a hash of the parent keeping it unique.</summary>
    internal static string ChildName(string parent, string suffix)
    {
        const int longest = 63, head = longest - 32;
        if (parent.Length <= longest - suffix.Length)
        {
            return parent + suffix;
        }

        if (head - suffix.Length <= 0)
        {
            var hash = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(parent + suffix)));
            var result = (head < parent.Length ? parent[..head] : parent) + hash;
            if (longest - result.Length is var d and > 0)
            {
                result += suffix[..d];
            }

            return result.TrimEnd(c => !char.IsAsciiLetterOrDigit(c));
        }

        return parent[..(head - suffix.Length)] + Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(parent))) + suffix;
    }

    private static string TrimEnd(this string value, Func<char, bool> trim)
    {
        var end = value.Length;
        while (end > 0 && trim(value[end - 1]))
        {
            end--;
        }

        return value[..end];
    }

    private static string OneOf(ManifestNode entry, string a, string b) => (entry.Has(a), entry.Has(b)) switch
    {
        (true, false) => a,
        (false, true) => b,
        (true, true) => throw entry.Error(string.Empty, $"has both {a} and {b}: exactly one"),
        _ => throw entry.Error(string.Empty, $"needs one of {a} or {b}"),
    };

    private static string Group(ManifestNode reference)
    {
        var apiVersion = reference.RequiredString("apiVersion");
        return apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
    }

    private static bool IsBroker(string group, string kind) =>
        string.Equals(group, "eventing.knative.dev", StringComparison.OrdinalIgnoreCase)
        && string.Equals(kind, "Broker", StringComparison.OrdinalIgnoreCase);

    private static EventPolicyTarget NotABroker(ManifestNode reference, string group, string kind)
    {
        reference.Warn(
            string.Empty,
            $"names {kind} ({(group.Length == 0 ? "core" : group)}): the exporter runs only brokers, so this entry applies to nothing here");
        return new EventPolicyTarget(null, null);
    }

    private static List<LabelRequirement> Requirements(ManifestNode selector)
    {
        var requirements = new List<LabelRequirement>();
        foreach (var expression in selector.Sequence("matchExpressions") ?? [])
        {
            var key = expression.RequiredString("key");
            var op = expression.RequiredString("operator");
            var values = expression.StringList("values") ?? [];
            expression.RejectUnknown("key, operator, values");
            if (!LabelRequirement.Operators.Contains(op, StringComparer.Ordinal))
            {
                throw expression.Error("operator", $"'{op}' is not one of {string.Join(", ", LabelRequirement.Operators)}");
            }

            if ((op is "In" or "NotIn") != (values.Count > 0))
            {
                throw expression.Error("values", op is "In" or "NotIn" ? $"must not be empty for {op}" : $"must be empty for {op}");
            }

            requirements.Add(new LabelRequirement(key, op, values));
        }

        return requirements;
    }
}
