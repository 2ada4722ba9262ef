using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>The exporter's own build output (same configuration as the tests), to start it as a real process.</summary>
internal static class ExporterBuildOutput
{
    /// <summary>The folder of the exporter's build output.</summary>
    public static string Folder => Path.GetDirectoryName(Dll)!;

    public static string Dll
    {
        get
        {
            // .../tests/Exporter.Tests/bin/<Configuration>/net10.0/
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = testOutput.Parent!.Name;
            var dll = RepositoryPaths.Combine("src", "Exporter", "bin", configuration, testOutput.Name, "Knative.Eventing.Metrics.Exporter.dll");
            return File.Exists(dll)
                ? dll
                : throw new FileNotFoundException($"The exporter is not built at {dll}; build the solution before running the tests.", dll);
        }
    }
}
