using System.Text.RegularExpressions;
using Knative.Eventing.Metrics.Broker.Backends;
using Knative.Eventing.Metrics.Broker.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// Knative's own <c>eventing.knative.dev/v1</c> Broker and Trigger manifests (files or folders of multi-document
/// YAML, <c>--manifests</c>), read into the exporter's brokers and triggers with Knative's semantics
/// (docs/exporter.md, "Knative manifests", cites the upstream code followed). What Knative's webhook accepts
/// loads; what Knative ignores is ignored with a warning; documents of kinds that do not route events
/// (Deployments, Services, ConfigMaps, sources, ...) are skipped and listed in one warning. Anything the exporter
/// cannot honour stops startup with the file, the document and the field: kinds that route events other than
/// Broker and Trigger (channels, subscriptions, flows, policies), unknown fields, annotations that change
/// delivery, references without an address.
/// </summary>
internal sealed partial class KnativeManifests
{
    /// <summary>The annotation that picks a broker's implementation.</summary>
    public const string BrokerClassAnnotation = "eventing.knative.dev/broker.class";

    /// <summary>eventing-rabbitmq's per-trigger parallelism.</summary>
    public const string ParallelismAnnotation = "rabbitmq.eventing.knative.dev/parallelism";

    /// <summary>eventing-kafka-broker's per-trigger delivery order.</summary>
    public const string DeliveryOrderAnnotation = "kafka.eventing.knative.dev/delivery.order";

    /// <summary>Knative's readiness dependency (waits for a source); no effect on delivery, accepted.</summary>
    public const string DependencyAnnotation = "knative.dev/dependency";

    /// <summary>
    /// API groups whose kinds route or authorize events, so a manifest folder that has one the exporter does not
    /// run cannot be run as written: messaging (Channel, Subscription), flows (Sequence, Parallel) and eventing's
    /// own kinds other than Broker, Trigger and EventType (a catalogue entry, skipped).
    /// </summary>
    private static readonly string[] RoutingGroups = ["eventing.knative.dev", "messaging.knative.dev", "flows.knative.dev"];

    private KnativeManifests(
        List<BrokerDeclaration> brokers,
        List<TriggerDeclaration> triggers,
        List<Security.EventPolicy> policies,
        FeaturesConfigMap? features,
        List<string> warnings)
    {
        Brokers = brokers;
        Triggers = triggers;
        Policies = policies;
        Features = features;
        Warnings = warnings;
    }

    public IReadOnlyList<BrokerDeclaration> Brokers { get; }

    public IReadOnlyList<TriggerDeclaration> Triggers { get; }

    /// <summary>The EventPolicies (<c>eventing.knative.dev/v1alpha1</c>).</summary>
    public IReadOnlyList<Security.EventPolicy> Policies { get; }

    /// <summary>The CAs the Destinations' <c>CACerts</c> trust.</summary>
    public Security.DestinationTrust Trust { get; private init; } = new();

    /// <summary>Knative's <c>config-features</c>, when the manifests have it.</summary>
    public FeaturesConfigMap? Features { get; }

    /// <summary>What was ignored as Knative ignores it, and the skipped documents, one line each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Reads every manifest under <paramref name="paths"/> for the backend <paramref name="backend"/>; EventPolicies only when
    /// <paramref name="senderAuthentication"/> is on (Knative's webhook refuses them while <c>authentication-oidc</c> is disabled,
    /// knative/eventing 8cf4c4b6 pkg/apis/eventing/v1alpha1/eventpolicy_validation.go:29-35).
    /// </summary>
    /// <exception cref="ManifestException">A manifest cannot be run as written.</exception>
    public static KnativeManifests Load(IEnumerable<string> paths, IEnumerable<string> resolve, string backend, bool senderAuthentication = false)
    {
        var policies = new List<Security.EventPolicy>();
        FeaturesConfigMap? features = null;
        var resolver = new DestinationResolver(resolve);
        var brokerClass = BackendFactory.BrokerClass(backend);
        var brokers = new List<BrokerDeclaration>();
        var deliveries = new Dictionary<(string, string), DeliveryPolicy?>();
        var triggers = new List<(ManifestNode Root, string Name, string Namespace, IReadOnlyDictionary<string, string> Annotations)>();
        var warnings = new List<string>();
        var skipped = new List<string>();
        foreach (var file in Files(paths))
        {
            foreach (var (root, where) in Documents(file, warnings))
            {
                var apiVersion = root.String("apiVersion");
                var kind = root.String("kind");
                if (FeaturesConfigMap.Is(root))
                {
                    root.Where = $"{where} (ConfigMap {FeaturesConfigMap.Namespace}/{FeaturesConfigMap.Name})";
                    features = features is null
                        ? FeaturesConfigMap.Read(root)
                        : throw root.Error("metadata.name", "config-features is defined twice");
                    continue;
                }

                if (!Runs(apiVersion, kind))
                {
                    skipped.Add($"{where} ({apiVersion} {kind} {Described(root)})");
                    continue;
                }

                var metadata = root.Mapping("metadata") ?? throw root.Error("metadata", "is required");
                var name = metadata.RequiredString("name");
                var ns = metadata.String("namespace") ?? "default";
                if (!DnsLabel().IsMatch(name) || !DnsLabel().IsMatch(ns))
                {
                    throw metadata.Error(
                        DnsLabel().IsMatch(name) ? "namespace" : "name",
                        "must be a lower-case DNS label (letters, digits, '-', at most 63)");
                }

                root.Where = $"{where} ({kind} {ns}/{name})";
                if (apiVersion == "eventing.knative.dev/v1alpha1" && kind == "EventPolicy")
                {
                    if (!senderAuthentication)
                    {
                        throw root.Error(
                            "kind",
                            "an EventPolicy needs sender authentication: give the token issuer with --oidc-issuer (Knative refuses " +
                                "EventPolicies while authentication-oidc is disabled)");
                    }

                    metadata.StringMap("labels");
                    metadata.StringMap("annotations");
                    metadata.RejectUnknown("name, namespace, labels, annotations");
                    policies.Add(EventPolicyManifest.Read(root, name, ns));
                    continue;
                }

                if (apiVersion != "eventing.knative.dev/v1" || kind is not ("Broker" or "Trigger"))
                {
                    throw root.Error(
                        "kind",
                        $"{apiVersion}/{kind} routes events and is not supported: the exporter runs eventing.knative.dev/v1 Broker and Trigger " +
                            $"(run subscribers yourself and map them with --resolve)");
                }

                var labels = metadata.StringMap("labels") ?? new Dictionary<string, string>();
                var annotations = metadata.StringMap("annotations") ?? new Dictionary<string, string>();
                metadata.RejectUnknown("name, namespace, labels, annotations");
                if (kind == "Broker")
                {
                    brokers.Add(BrokerManifest.Read(root, name, ns, annotations, brokerClass, resolver, deliveries) with { Labels = labels });
                }
                else
                {
                    triggers.Add((root, name, ns, annotations));
                }
            }
        }

        var declarations = triggers.Select(t => TriggerManifest.Read(
            t.Root,
            t.Name,
            t.Namespace,
            t.Annotations,
            brokerClass,
            resolver,
            deliveries)).ToList();
        if (skipped.Count > 0)
        {
            warnings.Add($"Skipped {skipped.Count} manifest document(s) of kinds that do not route events (the exporter runs Brokers and " +
                $"Triggers): {string.Join("; ", skipped)}");
        }

        if (features?.Oidc is { } oidc && oidc != senderAuthentication)
        {
            throw features.Data.Error(
                FeaturesConfigMap.OidcKey,
                oidc
                    ? "is enabled: give the issuer of the senders' tokens with --oidc-issuer (Broker:Oidc:Issuer); " +
                        "the exporter cannot ask a cluster for it"
                    : "is disabled, but --oidc-issuer (Broker:Oidc:Issuer) turns sender authentication on: remove one of them");
        }

        return new KnativeManifests(brokers, declarations, policies, features, warnings) { Trust = resolver.Trust };
    }

    /// <summary>Whether a document is read (Broker, Trigger) or refused (true), rather than skipped (false).</summary>
    private static bool Runs(string? apiVersion, string? kind)
    {
        var group = apiVersion?.Split('/') is [var g, _] ? g : string.Empty;
        return RoutingGroups.Contains(group, StringComparer.Ordinal) && !(group == "eventing.knative.dev" && kind == "EventType");
    }

    /// <summary>A skipped document's namespace/name as far as it has them.</summary>
    private static string Described(ManifestNode root)
    {
        try
        {
            var metadata = root.Mapping("metadata");
            return $"{metadata?.String("namespace") ?? "default"}/{metadata?.String("name") ?? "?"}";
        }
        catch (ManifestException)
        {
            return "?";
        }
    }

    internal static IEnumerable<string> Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                yield return path;
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path).Where(f => f.EndsWith(
                    ".yaml",
                    StringComparison.OrdinalIgnoreCase) || f.EndsWith(
                        ".yml",
                        StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                {
                    throw new ManifestException($"--manifests {path}: the folder has no .yaml or .yml file");
                }

                foreach (var file in files)
                {
                    yield return file;
                }
            }
            else
            {
                throw new ManifestException($"--manifests {path}: no such file or folder");
            }
        }
    }

    internal static IEnumerable<(ManifestNode Root, string Where)> Documents(string file, List<string> warnings)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new ManifestException($"{file}: line {ex.Start.Line}, column {ex.Start.Column}: not valid YAML: " +
                $"{ex.InnerException?.Message ?? ex.Message}");
        }

        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var where = $"{file}: document {i + 1}";
            switch (stream.Documents[i].RootNode)
            {
                case YamlMappingNode mapping:
                    yield return (new ManifestNode(mapping, where, string.Empty, warnings), where);
                    break;
                case YamlScalarNode { Value: null or "" }:
                    break; // an empty document (e.g. after a trailing ---)
                default:
                    throw new ManifestException($"{where}: must be a mapping with apiVersion, kind, metadata and spec");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
