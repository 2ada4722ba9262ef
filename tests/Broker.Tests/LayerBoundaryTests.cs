using Knative.Eventing.Metrics.Broker.Model;

namespace Knative.Eventing.Metrics.Broker.Tests;

/// <summary>
/// The broker layer (src/Broker: topology, filters, manifests, delivery, backends) knows nothing of hosting,
/// listeners, the live view or the game. The project has no ASP.NET Core reference, so the compiler refuses such
/// code; this test says so where a reader of the tests looks, and fails if a reference is added.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LayerBoundaryTests
{
    [Fact]
    public void The_broker_layer_references_neither_aspnetcore_nor_hosting_nor_the_exporter()
    {
        var layer = typeof(Topology).Assembly;
        var references = layer.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Knative.Eventing.Metrics", references); // the contract it records
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Knative.Eventing.Metrics.Exporter", StringComparison.Ordinal));
        Assert.DoesNotContain(layer.GetTypes(), t => t.Namespace?.Contains("Game", StringComparison.Ordinal) == true || t.Name.Contains("Leaderboard", StringComparison.Ordinal));
    }
}
