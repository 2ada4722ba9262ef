using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace Knative.Eventing.Metrics.Tests.Tracing;

/// <summary>docs/tracing.md's span table is the code's: an event through every hop of the library gives exactly its rows.</summary>
[Trait("Category", "Unit")]
public sealed class TracingDocumentationTests
{
    private static readonly string[] Hops = ["ingress", "publish", "process", "attempt", "dead letter", "reply"];

    [Fact]
    public void Every_span_the_library_makes_is_a_row_of_docs_tracing_md_with_its_name_and_kind()
    {
        using var tracing = new TracingHarness();
        using var harness = new MetricsHarness();
        PropagationContext published;
        using (var ingress = KnativeEventingTracing.StartIngress(MetricsHarness.Broker, default))
        {
            using (KnativeEventingTracing.StartPublish(MetricsHarness.Broker, "e", "t", "/s", null))
            {
                published = KnativeEventingTracing.Current();
            }
        }

        var scope = harness.Metrics.BeginDelivery(MetricsHarness.Trigger, "t", null, null, new DeliveryTrace(published, "e", null));
        scope.StartAttempt(DispatchTarget.Subscriber).Complete(503);
        scope.StartAttempt(DispatchTarget.DeadLetterSink).Complete(202);
        scope.StartAttempt(DispatchTarget.Reply).Complete(202);
        scope.Complete(DeliveryOutcome.DeadLettered);

        var page = MarkdownPage.Read("tracing.md");
        var documented = Hops.Select(h => page.Row(h)).ToList();
        Assert.All(documented, row => Assert.True(row.Count >= 3, "a hop has no row in docs/tracing.md"));
        var expected = documented
            .Select(row => (Name: row[1].Replace("{name}", MetricsHarness.Trigger.Name, StringComparison.Ordinal), Kind: row[2]))
            .Select(r => (Name: r.Name.Contains("broker:", StringComparison.Ordinal)
                ? r.Name.Replace(MetricsHarness.Trigger.Name, MetricsHarness.Broker.Name, StringComparison.Ordinal)
                : r.Name, r.Kind))
            .Select(r => (Name: r.Name.Replace("{namespace}", MetricsHarness.Broker.Namespace, StringComparison.Ordinal), r.Kind))
            .Order()
            .ToList();
        var made = tracing.Spans.Select(s => (Name: s.DisplayName, Kind: Kind(s.Kind))).Order().ToList();

        Assert.Equal(expected, made);
        Assert.Equal(Hops.Length, made.Count);
    }

    private static string Kind(ActivityKind kind) => kind switch
    {
        ActivityKind.Server => "SERVER",
        ActivityKind.Producer => "PRODUCER",
        ActivityKind.Consumer => "CONSUMER",
        ActivityKind.Client => "CLIENT",
        _ => kind.ToString(),
    };
}
