using YamlDotNet.RepresentationModel;

namespace Knative.Eventing.Metrics.Dashboards.Tests;

/// <summary>
/// deploy/kubernetes holds a valid Deployment, Service, PodMonitor and PodDisruptionBudget that agree with each other and
/// with the exporter's ports. No schema validator is available here, so the required fields of each
/// kind's schema are checked directly.
/// </summary>
[Trait("Category", "Unit")]
public sealed class KubernetesManifestTests
{
    [Fact]
    public void The_manifests_have_the_required_fields_and_agree_on_labels_ports_and_paths()
    {
        var deployment = Load("deployment.yaml");
        var service = Load("service.yaml");
        var podMonitor = Load("podmonitor.yaml");
        var budget = Load("poddisruptionbudget.yaml");

        AssertResource(deployment, "apps/v1", "Deployment");
        AssertResource(service, "v1", "Service");
        AssertResource(podMonitor, "monitoring.coreos.com/v1", "PodMonitor");
        AssertResource(budget, "policy/v1", "PodDisruptionBudget");

        var selector = Map(Map(Map(deployment, "spec"), "selector"), "matchLabels");
        var podLabels = Map(Map(Map(Map(deployment, "spec"), "template"), "metadata"), "labels");
        Assert.All(selector.Children, l => Assert.Equal(l.Value.ToString(), podLabels.Children[l.Key].ToString()));
        Assert.All(Map(Map(service, "spec"), "selector").Children, l => Assert.Equal(l.Value.ToString(), podLabels.Children[l.Key].ToString()));
        Assert.All(Map(Map(Map(podMonitor, "spec"), "selector"), "matchLabels").Children, l => Assert.Equal(l.Value.ToString(), podLabels.Children[l.Key].ToString()));

        var container = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(Map(Map(Map(deployment, "spec"), "template"), "spec"), "containers").Children));
        Assert.False(string.IsNullOrEmpty(Scalar(container, "image")));
        var ports = Seq(container, "ports").Children.Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Scalar(p, "containerPort"));
        Assert.Equal("8080", ports["http-ingress"]);
        Assert.Equal("9464", ports["http-metrics"]);
        Assert.All(Map(Map(Map(budget, "spec"), "selector"), "matchLabels").Children, l => Assert.Equal(l.Value.ToString(), podLabels.Children[l.Key].ToString()));

        // Scaled out: 3 replicas, at most one disrupted at a time, spread over nodes, on a shared backend.
        var spec = Map(Map(deployment, "spec"), "template");
        Assert.Equal("3", Scalar(Map(deployment, "spec"), "replicas"));
        Assert.Equal("1", Scalar(Map(budget, "spec"), "maxUnavailable"));
        Assert.Contains(Seq(Map(spec, "spec"), "topologySpreadConstraints").Children.Cast<YamlMappingNode>(), c => Scalar(c, "topologyKey") == "kubernetes.io/hostname");
        var env = Seq(container, "env").Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));
        Assert.NotEqual("Embedded", Scalar(env["Broker__Backend"], "value"));

        // Readiness follows the backend connection, liveness the consumers: both probes exist in the exporter.
        Assert.Equal("/readyz", Scalar(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
        Assert.Equal("/livez", Scalar(Map(Map(container, "livenessProbe"), "httpGet"), "path"));

        var endpoint = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(Map(podMonitor, "spec"), "podMetricsEndpoints").Children));
        Assert.Equal("http-metrics", Scalar(endpoint, "port"));
        Assert.Equal("/metrics", Scalar(endpoint, "path"));
        Assert.All(Seq(Map(service, "spec"), "ports").Children.Cast<YamlMappingNode>(), p => Assert.Contains(Scalar(p, "targetPort"), ports.Keys));
    }

    [Fact]
    public void The_deployment_runs_the_brokers_and_triggers_of_its_manifests_config_map()
    {
        var deployment = Load("deployment.yaml");
        var configMap = Load("manifests.yaml");
        Assert.Equal(("v1", "ConfigMap"), (Scalar(configMap, "apiVersion"), Scalar(configMap, "kind")));
        var pod = Map(Map(deployment, "spec"), "template");
        var container = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(Map(pod, "spec"), "containers").Children));
        var args = Seq(container, "args").Children.Select(a => a.ToString()).ToList();
        var folder = args[args.IndexOf("--manifests") + 1];
        Assert.Contains("--no-game", args);

        var mount = Assert.Single(Seq(container, "volumeMounts").Children.Cast<YamlMappingNode>(), m => Scalar(m, "mountPath") == folder);
        var volume = Assert.Single(Seq(Map(pod, "spec"), "volumes").Children.Cast<YamlMappingNode>(), v => Scalar(v, "name") == Scalar(mount, "name"));
        Assert.Equal(Scalar(Map(configMap, "metadata"), "name"), Scalar(Map(volume, "configMap"), "name"));

        // The ConfigMap's files, as the pod sees them in the mounted folder, load as the exporter loads them.
        var mounted = Directory.CreateTempSubdirectory("kem-configmap-").FullName;
        try
        {
            foreach (var (key, value) in Map(configMap, "data").Children)
            {
                File.WriteAllText(Path.Combine(mounted, key.ToString()), value.ToString());
            }

            var model = Knative.Eventing.Metrics.Broker.Model.Topology.Build(
                new Knative.Eventing.Metrics.Broker.Configuration.BrokerOptions { Backend = "RabbitMQ", Manifests = [mounted] }, []);
            Assert.NotEmpty(model.Brokers);
            Assert.NotEmpty(model.Triggers);
        }
        finally
        {
            Directory.Delete(mounted, recursive: true);
        }
    }

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(RepositoryPaths.Combine("deploy", "kubernetes", file)));
        stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static void AssertResource(YamlMappingNode resource, string apiVersion, string kind)
    {
        Assert.Equal(apiVersion, Scalar(resource, "apiVersion"));
        Assert.Equal(kind, Scalar(resource, "kind"));
        var metadata = Map(resource, "metadata");
        Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Scalar(metadata, "name"));
        Assert.False(string.IsNullOrEmpty(Scalar(metadata, "namespace")));
        Map(resource, "spec");
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : throw new Xunit.Sdk.XunitException($"missing '{key}'"));

    private static YamlSequenceNode Seq(YamlMappingNode node, string key) =>
        Assert.IsType<YamlSequenceNode>(node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : throw new Xunit.Sdk.XunitException($"missing '{key}'"));

    private static string Scalar(YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : throw new Xunit.Sdk.XunitException($"missing '{key}'")).Value ?? string.Empty;
}
