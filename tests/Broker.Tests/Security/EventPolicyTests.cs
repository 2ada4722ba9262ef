using System.Security.Cryptography;
using System.Text;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Manifests;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Broker.Security;

namespace Knative.Eventing.Metrics.Broker.Tests.Security;

/// <summary>
/// EventPolicies and <c>default-authorization-mode</c> read from manifests and applied as Knative applies them. The subject
/// cases are knative/eventing 8cf4c4b6 pkg/auth/event_policy_test.go:698-843 (TestSubjectAndFiltersContained), the "which
/// policies apply" cases its TestGetEventPoliciesForResource (:50-523), the modes pkg/auth/verifier.go:206-218.
/// </summary>
[Trait("Category", "Unit")]
public sealed class EventPolicyTests : IDisposable
{
    private const string Brokers = """
        apiVersion: eventing.knative.dev/v1
        kind: Broker
        metadata:
          name: default
          namespace: my-ns
          labels:
            team: games
            tier: gold
        ---
        apiVersion: eventing.knative.dev/v1
        kind: Broker
        metadata:
          name: other
          namespace: my-ns
        ---
        apiVersion: eventing.knative.dev/v1
        kind: Broker
        metadata:
          name: default
          namespace: my-ns-2
        """;

    private static readonly BrokerRef Default = new("my-ns", "default");
    private static readonly BrokerRef Other = new("my-ns", "other");
    private static readonly BrokerRef Elsewhere = new("my-ns-2", "default");
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-policies-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string[], string, bool> SubjectCases() => new()
    {
        { "simple 1:1 match", ["system:serviceaccounts:my-ns:my-sa"], "system:serviceaccounts:my-ns:my-sa", true },
        { "simple 1:n match", ["system:serviceaccounts:my-ns:another-sa", "system:serviceaccounts:my-ns:my-sa"], "system:serviceaccounts:my-ns:my-sa", true },
        { "pattern match (all)", ["*"], "system:serviceaccounts:my-ns:my-sa", true },
        { "pattern match (namespace)", ["system:serviceaccounts:my-ns:*"], "system:serviceaccounts:my-ns:my-sa", true },
        { "pattern match (different namespace)", ["system:serviceaccounts:my-ns:*"], "system:serviceaccounts:my-ns-2:my-sa", false },
        { "pattern match (namespace prefix)", ["system:serviceaccounts:my-ns*"], "system:serviceaccounts:my-ns:my-sa", true },
        { "pattern match (namespace prefix 2)", ["system:serviceaccounts:my-ns*"], "system:serviceaccounts:my-ns-2:my-sa", true },
        { "exact match ignores case", ["System:ServiceAccounts:My-NS:My-SA"], "system:serviceaccounts:my-ns:my-sa", true },
        { "no subject", [], "system:serviceaccounts:my-ns:my-sa", false },
    };

    [Theory]
    [MemberData(nameof(SubjectCases))]
    public void A_policy_admits_the_subjects_knative_admits(string name, string[] subjects, string subject, bool allowed)
    {
        var from = subjects.Length == 0 ? "[]" : string.Concat(subjects.Select(s => $"\n    - sub: \"{s}\""));
        var authorizer = Load($"""
            apiVersion: eventing.knative.dev/v1alpha1
            kind: EventPolicy
            metadata:
              name: p
              namespace: my-ns
            spec:
              from: {from}
            """);

        Assert.True(allowed == authorizer.Authorize(Default, subject, [Event("a")]).Allowed, name);
    }

    [Fact]
    public void A_star_anywhere_but_at_the_end_is_refused_as_knatives_webhook_refuses_it()
    {
        var ex = Assert.Throws<ManifestException>(() => Load(Policy("p", to: null, from: "    - sub: \"system:serviceaccounts:*:my-sa\"")));
        Assert.Contains("(EventPolicy my-ns/p): spec.from[0].sub: 'system:serviceaccounts:*:my-sa': '*' is only allowed as its last character", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subject_allowed_for_some_event_types_only_is_refused_the_others_naming_the_policy()
    {
        var authorizer = Load(Policy("scores-only", to: null, from: "    - sub: system:serviceaccount:my-ns:game", filters: """
              filters:
                - prefix:
                    type: dev.knative.game.score
            """));

        Assert.True(authorizer.Authorize(Default, "system:serviceaccount:my-ns:game", [Event("dev.knative.game.score.v1")]).Allowed);
        var refused = authorizer.Authorize(Default, "system:serviceaccount:my-ns:game", [Event("dev.knative.game.admin")]);
        Assert.False(refused.Allowed);
        Assert.Equal("scores-only", refused.Policy);
        Assert.Contains("type 'dev.knative.game.admin'", refused.Detail, StringComparison.Ordinal);

        // A batch is stored all or none: one refused event refuses the request.
        Assert.False(authorizer.Authorize(Default, "system:serviceaccount:my-ns:game", [Event("dev.knative.game.score"), Event("x")]).Allowed);
    }

    [Fact]
    public void A_filter_is_checked_only_for_a_policy_that_admits_the_subject()
    {
        // event_policy_test.go:809 "only check filter if subject matches": the true filter of a policy for another subject
        // does not help, the false filter of the subject's own policy refuses.
        var authorizer = Load(
            Policy("a", to: null, from: "    - sub: \"system:serviceaccounts:not-my-ns*\"", filters: "  filters:\n    - cesql: \"true\"\n"),
            Policy("b", to: null, from: "    - sub: \"system:serviceaccounts:my-ns*\"", filters: "  filters:\n    - cesql: \"false\"\n"));

        var decision = authorizer.Authorize(Default, "system:serviceaccounts:my-ns:my-sa", [Event("a")]);

        Assert.False(decision.Allowed);
        Assert.Equal("b", decision.Policy);
    }

    [Fact]
    public void Any_applying_policy_that_admits_the_subject_and_passes_the_event_allows_it()
    {
        // Upstream stops at the first policy (by name) whose subjects match; the exporter tries the others too (docs/security.md).
        var authorizer = Load(
            Policy("a-logins", to: null, from: "    - sub: system:serviceaccount:my-ns:game", filters: "  filters:\n    - exact:\n        type: login\n"),
            Policy("b-scores", to: null, from: "    - sub: system:serviceaccount:my-ns:game", filters: "  filters:\n    - exact:\n        type: score\n"));

        Assert.True(authorizer.Authorize(Default, "system:serviceaccount:my-ns:game", [Event("login")]).Allowed);
        Assert.True(authorizer.Authorize(Default, "system:serviceaccount:my-ns:game", [Event("score")]).Allowed);
        Assert.Equal("a-logins", authorizer.Authorize(Default, "system:serviceaccount:my-ns:game", [Event("admin")]).Policy);
    }

    [Fact]
    public void Which_brokers_a_policy_applies_to_follows_spec_to()
    {
        var authorizer = Load(
            Policy("all-of-my-ns", to: null, from: "    - sub: a"),
            Policy("by-ref", to: "    - ref:\n        apiVersion: eventing.knative.dev/v1\n        kind: Broker\n        name: other\n", from: "    - sub: b"),
            Policy("by-labels", to: """
                    - selector:
                        apiVersion: eventing.knative.dev/v1beta2
                        kind: Broker
                        matchLabels:
                          team: games
                        matchExpressions:
                          - key: tier
                            operator: In
                            values: [gold, silver]
                          - key: legacy
                            operator: DoesNotExist
                """, from: "    - sub: c"),
            Policy("a-channel", to: "    - ref:\n        apiVersion: messaging.knative.dev/v1\n        kind: InMemoryChannel\n        name: default\n", from: "    - sub: d"));

        Assert.Equal(["all-of-my-ns", "by-labels"], authorizer.PoliciesOf(Default).Select(p => p.Name));
        Assert.Equal(["all-of-my-ns", "by-ref"], authorizer.PoliciesOf(Other).Select(p => p.Name));
        Assert.Empty(authorizer.PoliciesOf(Elsewhere)); // another namespace: default-authorization-mode decides
        Assert.True(authorizer.Authorize(Default, "c", [Event("x")]).Allowed);
        Assert.False(authorizer.Authorize(Default, "b", [Event("x")]).Allowed);
        Assert.False(authorizer.Authorize(Default, "d", [Event("x")]).Allowed);
    }

    [Fact]
    public void A_from_ref_names_the_oidc_service_account_knative_gives_the_resource()
    {
        var authorizer = Load(Policy("from-ping", to: null, from: """
                - ref:
                    apiVersion: sources.knative.dev/v1
                    kind: PingSource
                    name: heartbeat
                - ref:
                    apiVersion: sources.knative.dev/v1
                    kind: ApiServerSource
                    name: watcher
                    namespace: ops
            """));

        // pkg/auth/serviceaccount.go:52-57: <name>-oidc-<group>-<kind>, lower case, in the ref's namespace (default: the policy's).
        Assert.Equal(
            ["system:serviceaccount:my-ns:heartbeat-oidc-sources.knative.dev-pingsource", "system:serviceaccount:ops:watcher-oidc-sources.knative.dev-apiserversource"],
            authorizer.Policies.Single().From);
    }

    [Fact]
    public void A_long_resource_name_is_shortened_with_an_md5_hash_as_kmeta_child_name()
    {
        // knative.dev/pkg/kmeta/names.go ChildName, its three branches (at most 63 characters).
        const string suffix = "-oidc-sources.knative.dev-pingsource"; // 36 characters, longer than 31: the whole name is hashed
        var parent = new string('p', 40);
        Assert.Equal(new string('p', 31) + Md5(parent + suffix), EventPolicyManifest.ChildName(parent, suffix));

        const string shortSuffix = "-oidc-x.dev-k"; // 13 characters: the parent is cut and its hash keeps it unique
        var longParent = new string('q', 60);
        Assert.Equal(new string('q', 18) + Md5(longParent) + shortSuffix, EventPolicyManifest.ChildName(longParent, shortSuffix));

        Assert.Equal("short-oidc-sources.knative.dev-pingsource", EventPolicyManifest.ChildName("short", suffix));

        static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
    }

    [Theory]
    [InlineData("allow-same-namespace", "system:serviceaccount:my-ns-2:producer", true)]
    [InlineData("allow-same-namespace", "system:serviceaccount:my-ns:producer", false)]
    [InlineData("allow-all", "system:serviceaccount:my-ns:producer", true)]
    [InlineData("deny-all", "system:serviceaccount:my-ns-2:producer", false)]
    [InlineData(null, "system:serviceaccount:my-ns-2:producer", true)]
    [InlineData(null, "anyone", false)]
    public void Without_an_applying_policy_the_default_authorization_mode_decides(string? mode, string subject, bool allowed)
    {
        var features = mode is null ? string.Empty : $"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: config-features
              namespace: knative-eventing
            data:
              authentication-oidc: enabled
              default-authorization-mode: {mode}
              new-apiserversource-filters: disabled
            """;

        var authorizer = Load(features);

        Assert.Equal(allowed, authorizer.Authorize(Elsewhere, subject, [Event("a")]).Allowed);
        Assert.Equal(mode ?? "allow-same-namespace", authorizer.Mode.Name());
    }

    [Theory]
    [InlineData("spec:\n  to:\n    - ref:\n        apiVersion: eventing.knative.dev/v1\n        kind: Broker\n        name: default\n      selector:\n        apiVersion: eventing.knative.dev/v1\n        kind: Broker\n", "spec.to[0]: has both ref and selector: exactly one")]
    [InlineData("spec:\n  from:\n    - {}\n", "spec.from[0]: needs one of ref or sub")]
    [InlineData("spec:\n  from:\n    - ref:\n        kind: PingSource\n        name: x\n", "spec.from[0].ref.apiVersion: is required")]
    [InlineData("spec:\n  from:\n    - sub: a\n  priority: 1\n", "spec.priority: is not supported by the exporter")]
    [InlineData("spec:\n  to:\n    - selector:\n        apiVersion: eventing.knative.dev/v1\n        kind: Broker\n        matchExpressions:\n          - key: tier\n            operator: Like\n            values: [gold]\n", "spec.to[0].selector.matchExpressions[0].operator: 'Like' is not one of In, NotIn, Exists, DoesNotExist")]
    [InlineData("spec:\n  filters:\n    - cesql: \"type = \"\n", "spec.filters[0].cesql: invalid CESQL expression")]
    public void A_policy_knative_would_refuse_stops_startup_naming_file_document_and_field(string spec, string message)
    {
        var ex = Assert.Throws<ManifestException>(() => Load($"apiVersion: eventing.knative.dev/v1alpha1\nkind: EventPolicy\nmetadata:\n  name: bad\n  namespace: my-ns\n{spec}"));

        Assert.Contains("policies.yaml: document 1 (EventPolicy my-ns/bad): " + message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("authentication-oidc: enabled", null, "data.authentication-oidc: is enabled: give the issuer of the senders' tokens with --oidc-issuer")]
    [InlineData("authentication-oidc: disabled", "http://127.0.0.1:1", "data.authentication-oidc: is disabled, but --oidc-issuer (Broker:Oidc:Issuer) turns sender authentication on")]
    [InlineData("default-authorization-mode: allow-some", "http://127.0.0.1:1", "data.default-authorization-mode: 'allow-some' is not one of allow-same-namespace, allow-all, deny-all")]
    public void Config_features_that_cannot_be_honoured_stop_startup(string data, string? issuer, string message)
    {
        var path = Write($"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-features\n  namespace: knative-eventing\ndata:\n  {data}\n");

        var ex = Assert.ThrowsAny<InvalidOperationException>(() => Build([Write(Brokers, "brokers.yaml"), path], issuer));

        Assert.Contains("(ConfigMap knative-eventing/config-features): " + message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://issuer.example", "is plain http on a non-loopback host")]
    [InlineData("issuer", "is not an absolute http(s) URL")]
    [InlineData("ftp://127.0.0.1/", "is not an absolute http(s) URL")]
    public void An_issuer_that_cannot_be_trusted_stops_startup(string issuer, string message)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Build([Write(Brokers, "brokers.yaml")], issuer));

        Assert.Contains($"Broker:Oidc:Issuer: '{issuer}' {message}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_issuer_there_is_no_sender_check_at_all()
    {
        var model = Build([Write(Brokers, "brokers.yaml")], issuer: null);

        Assert.Null(model.Oidc);
        Assert.Null(model.Authorizer);
    }

    private static string Policy(string name, string? to, string from, string filters = "") =>
        $"apiVersion: eventing.knative.dev/v1alpha1\nkind: EventPolicy\nmetadata:\n  name: {name}\n  namespace: my-ns\nspec:\n"
        + (to is null ? string.Empty : $"  to:\n{to.TrimEnd()}\n")
        + $"  from:\n{from.TrimEnd()}\n"
        + filters;

    private static CloudEvent Event(string type) => new() { Id = "1", Type = type, Source = new Uri("/test", UriKind.Relative) };

    private SenderAuthorizer Load(params string[] documents)
    {
        var policies = Write(string.Join("\n---\n", documents.Where(d => d.Length > 0)), "policies.yaml");
        return Build([Write(Brokers, "brokers.yaml"), policies], "http://127.0.0.1:1").Authorizer!;
    }

    private static Topology Build(string[] manifests, string? issuer) =>
        Topology.Build(new BrokerOptions { Manifests = [.. manifests], Oidc = new OidcOptions { Issuer = issuer } }, []);

    private string Write(string yaml, string file = "policies.yaml")
    {
        var path = Path.Combine(_directory, file);
        File.WriteAllText(path, yaml);
        return path;
    }
}
