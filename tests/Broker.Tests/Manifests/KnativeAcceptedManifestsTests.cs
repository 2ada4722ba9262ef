using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Broker.Tests.Manifests;

/// <summary>
/// What Knative's webhook accepts loads, with Knative's meaning: documents that do not route events are skipped
/// and listed in one warning, <c>spec.filter</c> beside <c>spec.filters</c> is ignored with a warning
/// (knative/eventing pkg/broker/filter/filter_handler.go:626-640), and an exact, prefix or suffix filter with an
/// empty value is skipped with a warning, as the broker skips it (pkg/eventfilter/subscriptionsapi/create.go:26-80,
/// exact_filter.go:38-43, not_filter.go:38-41).
/// </summary>
[Trait("Category", "Unit")]
public sealed class KnativeAcceptedManifestsTests : IDisposable
{
    private static readonly string App = RepositoryPaths.Combine("tests", "Broker.Tests", "Manifests", "knative-app");
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-accepted-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_knative_app_folder_with_deployments_services_and_a_config_map_loads_and_lists_what_it_skipped()
    {
        var model = Topology.Build(
            new BrokerOptions
            {
                Manifests = [App],
                Resolve = ["Service/shop/event-display=http://127.0.0.1:8081/", "Service/shop/orders=http://127.0.0.1:8082/"],
            },
            []);

        Assert.Equal(["shop/default"], model.Brokers.Select(b => $"{b.Namespace}/{b.Name}"));
        Assert.Equal(["display-all-orders", "orders"], model.Triggers.Select(t => t.Ref.Name));
        Assert.All(model.Triggers, t => Assert.Equal((2, false, TimeSpan.FromMilliseconds(100)), (t.Retry, t.ExponentialBackoff, t.BackoffDelay)));
        var skipped = Assert.Single(model.Warnings, w => w.StartsWith("Skipped ", StringComparison.Ordinal));
        Assert.StartsWith("Skipped 6 manifest document(s) of kinds that do not route events", skipped);
        foreach (var kind in new[] { "apps/v1 Deployment shop/event-display", "v1 Service shop/event-display", "serving.knative.dev/v1 Service shop/orders", "v1 ConfigMap shop/shop-settings", "sources.knative.dev/v1 PingSource shop/heartbeat", "eventing.knative.dev/v1beta2 EventType shop/order-created" })
        {
            Assert.Contains(kind, skipped);
        }

        // spec.filters applies (prefix order.; the empty exact source is skipped), spec.filter is ignored.
        var orders = model.Triggers.Single(t => t.Ref.Name == "orders").Filter;
        Assert.True(orders.Matches(Event("order.updated", "/anywhere")));
        Assert.False(orders.Matches(Event("this.is.ignored", "/anywhere")));
        Assert.Equal(3, model.Warnings.Count);
        Assert.Contains(model.Warnings, w => w.Contains("(Trigger shop/orders): spec.filter: is ignored, as Knative ignores it when spec.filters is set", StringComparison.Ordinal));
        Assert.Contains(model.Warnings, w => w.Contains("(Trigger shop/orders): spec.filters[1].exact.source: is empty: the whole exact filter is skipped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("exact")]
    [InlineData("prefix")]
    [InlineData("suffix")]
    public void A_filter_with_an_empty_value_is_left_out_of_its_list_and_its_not_says_nothing(string dialect)
    {
        // all [type = a, <skipped>] passes type a; so its not fails it. Were the skipped filter kept as "no filter"
        // (the last verdict of all), the not would say nothing and type a would pass.
        var model = Build($$"""
            spec:
              broker: default
              filters:
                - not:
                    all:
                      - exact: { type: a }
                      - {{dialect}}: { source: "" }
                - not:
                    {{dialect}}: { subject: "" }
              subscriber: { uri: "http://s.example/" }
            """);

        var filter = model.Triggers.Single().Filter;
        Assert.False(filter.Matches(Event("a", "/x")));
        Assert.True(filter.Matches(Event("b", "/x")));
        Assert.Equal(2, model.Warnings.Count);
        Assert.All(model.Warnings, w => Assert.Contains($"is empty: the whole {dialect} filter is skipped, as Knative's broker skips it", w));
    }

    [Fact]
    public void Spec_filter_applies_when_spec_filters_is_empty_and_nothing_is_warned()
    {
        var model = Build("""
            spec:
              broker: default
              filter: { attributes: { type: a } }
              filters: []
              subscriber: { uri: "http://s.example/" }
            """);

        Assert.True(model.Triggers.Single().Filter.Matches(Event("a", "/x")));
        Assert.False(model.Triggers.Single().Filter.Matches(Event("b", "/x")));
        Assert.Empty(model.Warnings);
    }

    private Topology Build(string triggerSpec)
    {
        var path = Path.Combine(_directory, "trigger.yaml");
        File.WriteAllText(path, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata: {"{"} name: default, namespace: demo {"}"}
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata: {"{"} name: t, namespace: demo {"}"}
            {triggerSpec}
            """);
        return Topology.Build(new BrokerOptions { Manifests = [path] }, []);
    }

    private static CloudEvent Event(string type, string source) => new()
    {
        Id = "1",
        Type = type,
        Source = new Uri(source, UriKind.RelativeOrAbsolute),
    };
}
