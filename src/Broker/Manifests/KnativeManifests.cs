using System.Text.RegularExpressions;
using Knative.Eventing.Metrics.Broker.Backends;
using Knative.Eventing.Metrics.Broker.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Knative.Eventing.Metrics.Broker.Manifests;

/// <summary>
/// Knative's own <c>eventing.knative.dev/v1</c> Broker and Trigger manifests (files or folders of multi-document
/// YAML, <c>--manifests</c>), read into the exporter's brokers and triggers with Knative's semantics
/// (docs/exporter.md, "Knative manifests", cites the upstream code followed). Anything the exporter cannot honour
/// stops startup with the file, the document and the field: unknown kinds and fields, annotations that change
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

    private KnativeManifests(List<BrokerDefinition> brokers, List<TriggerDefinition> triggers)
    {
        Brokers = brokers;
        Triggers = triggers;
    }

    public IReadOnlyList<BrokerDefinition> Brokers { get; }

    public IReadOnlyList<TriggerDefinition> Triggers { get; }

    /// <summary>Reads every manifest under <paramref name="paths"/> for the backend <paramref name="backend"/>.</summary>
    /// <exception cref="ManifestException">A manifest cannot be run as written.</exception>
    public static KnativeManifests Load(IEnumerable<string> paths, IEnumerable<string> resolve, string backend)
    {
        var resolver = new DestinationResolver(resolve);
        var brokerClass = BackendFactory.BrokerClass(backend);
        var brokers = new List<BrokerDefinition>();
        var deliveries = new Dictionary<(string, string), DeliveryDefinition?>();
        var triggers = new List<(ManifestNode Root, string Name, string Namespace, IReadOnlyDictionary<string, string> Annotations)>();
        foreach (var file in Files(paths))
        {
            foreach (var (root, where) in Documents(file))
            {
                var apiVersion = root.String("apiVersion");
                var kind = root.String("kind");
                var metadata = root.Mapping("metadata") ?? throw root.Error("metadata", "is required");
                var name = metadata.RequiredString("name");
                var ns = metadata.String("namespace") ?? "default";
                if (!DnsLabel().IsMatch(name) || !DnsLabel().IsMatch(ns))
                {
                    throw metadata.Error(DnsLabel().IsMatch(name) ? "namespace" : "name", "must be a lower-case DNS label (letters, digits, '-', at most 63)");
                }

                root.Where = $"{where} ({kind} {ns}/{name})";
                if (apiVersion != "eventing.knative.dev/v1" || kind is not ("Broker" or "Trigger"))
                {
                    throw root.Error("kind", $"{apiVersion}/{kind} is not supported: the exporter reads eventing.knative.dev/v1 Broker and Trigger (run subscribers yourself and map them with --resolve)");
                }

                metadata.StringMap("labels");
                var annotations = metadata.StringMap("annotations") ?? new Dictionary<string, string>();
                metadata.RejectUnknown("name, namespace, labels, annotations");
                if (kind == "Broker")
                {
                    brokers.Add(BrokerManifest.Read(root, name, ns, annotations, brokerClass, resolver, deliveries));
                }
                else
                {
                    triggers.Add((root, name, ns, annotations));
                }
            }
        }

        var definitions = triggers.Select(t => TriggerManifest.Read(t.Root, t.Name, t.Namespace, t.Annotations, brokerClass, resolver, deliveries)).ToList();
        return new KnativeManifests(brokers, definitions);
    }

    private static IEnumerable<string> Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                yield return path;
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
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

    private static IEnumerable<(ManifestNode Root, string Where)> Documents(string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new ManifestException($"{file}: line {ex.Start.Line}, column {ex.Start.Column}: not valid YAML: {ex.InnerException?.Message ?? ex.Message}");
        }

        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var where = $"{file}: document {i + 1}";
            switch (stream.Documents[i].RootNode)
            {
                case YamlMappingNode mapping:
                    yield return (new ManifestNode(mapping, where, string.Empty), where);
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
