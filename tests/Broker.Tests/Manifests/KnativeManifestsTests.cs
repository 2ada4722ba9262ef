using Knative.Eventing.Metrics.TestInfrastructure;
using CloudNative.CloudEvents;
using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Filtering;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Kafka;

namespace Knative.Eventing.Metrics.Broker.Tests.Manifests;

/// <summary>
/// Knative Broker and Trigger manifests, written as Knative's documentation writes them, read into the
/// broker model; and every manifest the exporter cannot run as written refused with file, document and field.
/// </summary>
[Trait("Category", "Unit")]
public sealed class KnativeManifestsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-manifests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string yaml, string file = "manifests.yaml")
    {
        var path = Path.Combine(_directory, file);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static Topology Build(string path, string backend = "Embedded", params string[] resolve) =>
        Topology.Build(new BrokerOptions { Backend = backend, Manifests = [path], Resolve = [.. resolve] }, []);

    /// <summary>Trigger demo/t on the default broker with one annotation line.</summary>
    private static string AnnotatedTrigger(string annotation) => $"""
        apiVersion: eventing.knative.dev/v1
        kind: Trigger
        metadata:
          name: t
          namespace: demo
          annotations:
            {annotation}
        spec:
          broker: default
          subscriber:
            uri: http://s.example/
        """;

    private const string Broker = """
        apiVersion: eventing.knative.dev/v1
        kind: Broker
        metadata:
          name: default
          namespace: demo
        spec:
          delivery:
            retry: 5
            backoffPolicy: exponential
            backoffDelay: PT0.5S
        ---

        """;

    [Fact]
    public void A_broker_and_triggers_as_knative_documents_them_become_the_model()
    {
        var path = Write(Broker + """
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: my-service-trigger
              namespace: demo
              annotations:
                kubectl.kubernetes.io/last-applied-configuration: "{}"
            spec:
              broker: default
              filter:
                attributes:
                  type: dev.knative.foo.bar
                  myextension: my-extension-value
              subscriber:
                ref:
                  apiVersion: serving.knative.dev/v1
                  kind: Service
                  name: my-service
                uri: /my-custom-path
              delivery:
                retry: 2
                backoffPolicy: linear
                backoffDelay: PT0.2S
                timeout: PT3S
                deadLetterSink:
                  uri: http://dls.example:8080/
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: defaults
              namespace: demo
            spec:
              broker: default
              subscriber:
                uri: http://sink.example/
            """);

        var model = Build(path, "Embedded", "Service/demo/my-service=http://127.0.0.1:8081/");

        var broker = Assert.Single(model.Brokers);
        Assert.Equal("demo/default", $"{broker.Namespace}/{broker.Name}");
        var trigger = model.Triggers.Single(t => t.Ref.Name == "my-service-trigger");
        Assert.Equal(new Uri("http://127.0.0.1:8081/my-custom-path"), trigger.Subscriber);
        Assert.Equal((2, false, TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(3)), (trigger.Retry, trigger.ExponentialBackoff, trigger.BackoffDelay, trigger.Timeout));
        Assert.Equal(new Uri("http://dls.example:8080/"), trigger.DeadLetterSink);
        Assert.Equal(TriggerDefinition.DefaultParallelism, trigger.Parallelism);
        var defaults = model.Triggers.Single(t => t.Ref.Name == "defaults");
        Assert.Equal((5, true, TimeSpan.FromSeconds(0.5)), (defaults.Retry, defaults.ExponentialBackoff, defaults.BackoffDelay)); // the broker's delivery
        Assert.True(defaults.Filter.Matches(Event("anything")));

        var matching = Event("dev.knative.foo.bar");
        matching["myextension"] = "my-extension-value";
        Assert.True(trigger.Filter.Matches(matching));
        Assert.False(trigger.Filter.Matches(Event("dev.knative.foo.bar"))); // extension missing
    }

    [Fact]
    public void The_filters_dialects_and_cesql_are_read_as_knative_applies_them()
    {
        var path = Write(Broker + """
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata:
              name: my-service-trigger
              namespace: demo
            spec:
              broker: default
              filters:
                - cesql: "source LIKE '%commerce%' AND type IN ('order.created', 'order.updated', 'order.canceled')"
                - any:
                    - exact:
                        type: order.created
                    - prefix:
                        type: order.up
                    - not:
                        suffix:
                          type: .canceled
                    - all:
                        - exact:
                            type: order.canceled
                        - exact:
                            priority: high
              subscriber:
                uri: http://orders.example/
            """);

        var filter = Build(path).Triggers.Single().Filter;

        Assert.True(filter.Matches(Event("order.created", "/commerce/eu")));
        Assert.True(filter.Matches(Event("order.updated", "/commerce/eu")));
        Assert.False(filter.Matches(Event("order.canceled", "/commerce/eu")));
        var urgent = Event("order.canceled", "/commerce/eu");
        urgent["priority"] = "high";
        Assert.True(filter.Matches(urgent));
        Assert.False(filter.Matches(Event("order.created", "/shipping")));
    }

    [Fact]
    public void Annotations_set_parallelism_and_delivery_order_where_the_backend_has_them()
    {
        Assert.Equal(4, Build(Write(Broker + AnnotatedTrigger("rabbitmq.eventing.knative.dev/parallelism: \"4\""))).Triggers.Single().Parallelism);
        TriggerModel Kafka(string annotation) => Build(Write(Broker + AnnotatedTrigger(annotation)), "Kafka").Triggers.Single();

        // eventing-kafka-broker 7d8fe89, control-plane/pkg/reconciler/trigger/trigger.go:361-367, 464-472: unordered when absent, either value in any case.
        Assert.Equal(KafkaDeliveryOrder.Ordered, Kafka("kafka.eventing.knative.dev/delivery.order: ordered").DeliveryOrder);
        Assert.Equal(KafkaDeliveryOrder.Ordered, Kafka("kafka.eventing.knative.dev/delivery.order: Ordered").DeliveryOrder);
        Assert.Equal(KafkaDeliveryOrder.Unordered, Kafka("kafka.eventing.knative.dev/delivery.order: unordered").DeliveryOrder);
        Assert.Equal(KafkaDeliveryOrder.Unordered, Kafka("example.com/owner: team-a").DeliveryOrder);
    }

    [Theory]
    [InlineData("Kafka", "kafka.eventing.knative.dev/delivery.order: sorted", "metadata.annotations.kafka.eventing.knative.dev/delivery.order: must be 'unordered' (the default) or 'ordered' (was 'sorted')")]
    [InlineData("RabbitMQ", "kafka.eventing.knative.dev/delivery.order: ordered", "metadata.annotations.kafka.eventing.knative.dev/delivery.order: only the Kafka backend has a delivery order (the exporter runs RabbitMQBroker)")]
    [InlineData("Kafka", "rabbitmq.eventing.knative.dev/parallelism: \"4\"", "metadata.annotations.rabbitmq.eventing.knative.dev/parallelism: is RabbitMQ's; on Kafka a trigger's concurrency is kafka.eventing.knative.dev/delivery.order with Broker:KafkaMaxInFlight")]
    public void A_delivery_annotation_the_backend_does_not_have_is_refused_with_file_document_and_field(string backend, string annotation, string message)
    {
        var path = Write(Broker + AnnotatedTrigger(annotation));

        var ex = Assert.ThrowsAny<InvalidOperationException>(() => Build(path, backend));

        Assert.Contains($"{path}: document 2 (Trigger demo/t): {message}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_file_of_a_folder_and_every_document_is_read_and_empty_documents_are_skipped()
    {
        Write(Broker, "1-broker.yaml");
        Write("""
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata: {name: a, namespace: demo}
            spec: {broker: default, subscriber: {uri: "http://a.example/"}}
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata: {name: b, namespace: demo}
            spec: {broker: default, subscriber: {uri: "http://b.example/"}}
            ---
            """, "2-triggers.yml");
        Write("not read", "notes.txt");

        var model = Build(_directory);

        Assert.Equal(["a", "b"], model.Triggers.Select(t => t.Ref.Name));
    }

    [Fact]
    public void The_games_manifests_deploy_knative_game_yaml_are_the_games_five_triggers()
    {
        var model = Topology.Build(new BrokerOptions(), [RepositoryPaths.Combine("deploy", "knative", "game.yaml")]);

        Assert.Equal(["leaderboard", "score-audit", "level-stats", "completions", "sessions"], model.Triggers.Select(t => t.Ref.Name));
        Assert.All(model.Triggers, t => Assert.Equal("demo/default", $"{t.Ref.Broker.Namespace}/{t.Ref.Broker.Name}"));
        var audit = model.Triggers.Single(t => t.Ref.Name == "score-audit");
        Assert.Equal((2, false, TimeSpan.FromMilliseconds(20), new Uri("inproc://dead-letters")), (audit.Retry, audit.ExponentialBackoff, audit.BackoffDelay, audit.DeadLetterSink));
        Assert.True(model.Triggers.Single(t => t.Ref.Name == "level-stats").Filter.Matches(Event("dev.knative.game.score", "/game/level/2")));
        Assert.False(model.Triggers.Single(t => t.Ref.Name == "level-stats").Filter.Matches(Event("dev.knative.game.score", "/game/lobby")));
    }

    [Theory]
    [InlineData("kind: Broker\napiVersion: eventing.knative.dev/v1\nmetadata:\n  name: x\n   bad: indent\n", "line 5, column 7: not valid YAML")]
    [InlineData("apiVersion: messaging.knative.dev/v1\nkind: Channel\nmetadata:\n  name: c\n  namespace: demo\n", "document 1 (Channel demo/c): kind: messaging.knative.dev/v1/Channel routes events and is not supported")]
    [InlineData("apiVersion: messaging.knative.dev/v1\nkind: Subscription\nmetadata:\n  name: s\n", "document 1 (Subscription default/s): kind: messaging.knative.dev/v1/Subscription routes events and is not supported")]
    [InlineData("apiVersion: flows.knative.dev/v1\nkind: Sequence\nmetadata:\n  name: q\n", "document 1 (Sequence default/q): kind: flows.knative.dev/v1/Sequence routes events and is not supported")]
    [InlineData("apiVersion: flows.knative.dev/v1\nkind: Parallel\nmetadata:\n  name: p\n", "kind: flows.knative.dev/v1/Parallel routes events and is not supported")]
    [InlineData("apiVersion: eventing.knative.dev/v1alpha1\nkind: EventPolicy\nmetadata:\n  name: e\n", "document 1 (EventPolicy default/e): kind: an EventPolicy needs sender authentication: give the token issuer with --oidc-issuer")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  subscriber:\n    uri: http://s.example/\n  delivery:\n    backoffDelay: 5s\n", "document 1 (Trigger demo/t): spec.delivery.backoffDelay: '5s' is not an ISO-8601 duration such as PT0.5S")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  subscriber:\n    uri: http://s.example/\n  delivery:\n    timeout: PT0S\n", "spec.delivery.timeout: must be positive (was 'PT0S')")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  subscriber:\n    uri: http://s.example/\n  delivery:\n    retry: -1\n", "spec.delivery.retry: must be a whole number from 0 to 100 (was '-1')")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  subscriber:\n    uri: http://s.example/\n  replicas: 3\n", "document 1 (Trigger demo/t): spec.replicas: is not supported by the exporter")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  subscriber:\n    ref:\n      kind: Service\n      name: audit\n", "spec.subscriber.ref: Service/demo/audit has no address here: there is no cluster to resolve it; give one with --resolve Service/demo/audit=http://host:port/")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  filters:\n    - exact:\n        type: a\n      prefix:\n        type: b\n  subscriber:\n    uri: http://s.example/\n", "spec.filters[0]: has exact and prefix: a filter has exactly one dialect")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  filters:\n    - cesql: \"type = \"\n  subscriber:\n    uri: http://s.example/\n", "spec.filters[0].cesql: invalid CESQL expression at position 8: the expression ends too early")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: default\n  filters:\n    - cesql: \"TITLE(type) = 'X'\"\n  subscriber:\n    uri: http://s.example/\n", "spec.filters[0].cesql: CESQL has no function TITLE with 1 argument(s): no event could pass")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\n  annotations:\n    rabbitmq.eventing.knative.dev/prefetch: \"5\"\nspec:\n  broker: default\n  subscriber:\n    uri: http://s.example/\n", "metadata.annotations.rabbitmq.eventing.knative.dev/prefetch: is not supported by the exporter")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: b\n  namespace: demo\n  annotations:\n    eventing.knative.dev/broker.class: Kafka\n", "document 1 (Broker demo/b): metadata.annotations.eventing.knative.dev/broker.class: the broker is class Kafka, but the exporter runs the Embedded backend: start it with --backend kafka")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata:\n  name: b\n  namespace: demo\nspec:\n  config:\n    apiVersion: v1\n    kind: ConfigMap\n    name: config-br-defaults\n", "spec.config: is not supported: the backend and its address come from the exporter's settings")]
    [InlineData("apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata:\n  name: t\n  namespace: demo\nspec:\n  broker: nowhere\n  subscriber:\n    uri: http://s.example/\n", "document 1 (Trigger demo/t): spec.broker: no broker 'nowhere' in namespace 'demo'")]
    public void A_manifest_the_exporter_cannot_run_stops_startup_naming_file_document_and_field(string yaml, string message)
    {
        var path = Write(yaml);
        var broker = Write(Broker, "0-broker.yaml");

        var ex = Assert.ThrowsAny<InvalidOperationException>(() => Topology.Build(new BrokerOptions { Manifests = [broker, path] }, []));

        Assert.True(ex.Message.Contains(path, StringComparison.Ordinal) && ex.Message.Contains(message, StringComparison.Ordinal), ex.Message);
    }

    [Theory]
    [InlineData("Service/demo=http://x/")]
    [InlineData("Service/demo/audit=ftp://x/")]
    public void A_bad_resolve_entry_is_refused(string entry)
    {
        var ex = Assert.ThrowsAny<InvalidOperationException>(() => Build(Write(Broker), "Embedded", entry));

        Assert.Contains($"--resolve '{entry}': expected Kind/namespace/name=url", ex.Message);
    }

    [Fact]
    public void A_missing_manifest_path_is_refused()
    {
        var ex = Assert.ThrowsAny<InvalidOperationException>(() => Build(Path.Combine(_directory, "nope.yaml")));

        Assert.Contains("nope.yaml: no such file or folder", ex.Message);
    }

    private static CloudEvent Event(string type, string source = "/test") => new()
    {
        Id = "1",
        Source = new Uri(source, UriKind.RelativeOrAbsolute),
        Type = type,
    };
}
