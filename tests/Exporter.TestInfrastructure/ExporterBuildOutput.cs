using System.Text.RegularExpressions;

using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.TestInfrastructure;

/// <summary>The exporter's own build output (same configuration as the tests), to start it as a real process.</summary>
public static partial class ExporterBuildOutput
{
    /// <summary>The folder of the exporter's build output.</summary>
    public static string Folder => Path.GetDirectoryName(Dll)!;

    /// <summary>The exporter's dll in the build output of the configuration the tests run in.</summary>
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

    /// <summary>Starts the exporter executable with <paramref name="args"/> (and <paramref name="environment"/> added to its own).</summary>
    public static ChildProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        ChildProcess.Start("dotnet", [Dll, .. args], new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["DOTNET_NOLOGO"] = "1" });

    /// <summary>Starts the exporter executable and waits until its banner shows the ingress listening.</summary>
    public static async Task<ChildProcess> StartListeningAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Start(args, environment);
        try
        {
            await process.WaitForLineAsync(IngressBannerLine(), TimeSpan.FromSeconds(60));
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    [GeneratedRegex(@"ingress: +http://")]
    private static partial Regex IngressBannerLine();
}
