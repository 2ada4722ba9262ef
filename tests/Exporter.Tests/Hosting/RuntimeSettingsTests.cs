using Knative.Eventing.Metrics.TestInfrastructure;
using System.Text.Json;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>
/// The runtime settings the exporter ships with (eng/ExporterRuntime.props), and the same settings in this test
/// process, which hosts the exporter in-process for the load tests.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RuntimeSettingsTests
{
    private const string HillClimbingDisable = "System.Threading.ThreadPool.HillClimbing.Disable";

    [Fact]
    public void The_exporter_ships_with_thread_pool_hill_climbing_off()
    {
        var runtimeConfig = Path.ChangeExtension(ExporterBuildOutput.Dll, ".runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(runtimeConfig));

        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.GetProperty(HillClimbingDisable).GetBoolean(), $"{runtimeConfig}: {HillClimbingDisable}");
    }

    [Fact]
    public void The_tests_that_host_the_exporter_run_with_the_same_thread_pool_setting()
    {
        Assert.Equal("true", AppContext.GetData(HillClimbingDisable) as string, ignoreCase: true);
    }
}
