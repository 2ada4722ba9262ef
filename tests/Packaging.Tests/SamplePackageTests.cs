using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;

namespace Knative.Eventing.Metrics.Packaging.Tests;

/// <summary>
/// The four library packages pack with their metadata, and the samples restore them from a local feed
/// (package references, not project references) and build.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SamplePackageTests : IDisposable
{
    private static readonly string[] Libraries =
    [
        "src/Metrics.Core/Knative.Eventing.Metrics.csproj",
        "src/Adapters/CloudEvents/Knative.Eventing.Metrics.CloudEvents.csproj",
        "src/Adapters/RabbitMQ/Knative.Eventing.Metrics.RabbitMQ.csproj",
        "src/Adapters/Kafka/Knative.Eventing.Metrics.Kafka.csproj",
    ];

    private readonly string _work = Path.Combine(Path.GetTempPath(), $"kem-packaging-{Guid.NewGuid():N}");

    [Fact]
    public async Task The_libraries_pack_and_the_samples_build_from_the_packages()
    {
        var dotnet = ExternalTool.Require("dotnet", "dotnet-sdk-10.0");
        var feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        foreach (var library in Libraries)
        {
            var pack = await dotnet.RunAsync(["pack", RepositoryPaths.Combine(library), "-c", "Release", "-o", feed, "-nologo"], timeout: TimeSpan.FromMinutes(5));
            Assert.True(pack.ExitCode == 0, pack.Output);
        }

        foreach (var id in new[] { "Knative.Eventing.Metrics", "Knative.Eventing.Metrics.CloudEvents", "Knative.Eventing.Metrics.RabbitMQ", "Knative.Eventing.Metrics.Kafka" })
        {
            AssertPackage(Path.Combine(feed, $"{id}.0.1.0.nupkg"), id);
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.0.1.0.snupkg")), $"{id} has no symbols package");
        }

        foreach (var sample in new[] { "RabbitMQBroker", "KafkaBroker" })
        {
            // A packages folder of its own (the global one as read-only fallback), so this run's packages are the ones restored.
            var packages = Path.Combine(_work, "packages", sample);
            var global = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var project = RepositoryPaths.Combine("samples", sample, $"{sample}.csproj");
            var build = await dotnet.RunAsync(
                ["build", project, "-nologo", "-o", Path.Combine(_work, "out", sample), $"-p:RestorePackagesPath={packages}", $"-p:RestoreAdditionalProjectSources={feed}", $"-p:RestoreFallbackFolders={global}", $"-p:BaseIntermediateOutputPath={Path.Combine(_work, "obj", sample)}/"],
                timeout: TimeSpan.FromMinutes(5));
            Assert.True(build.ExitCode == 0, build.Output);

            using var assets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "obj", sample, "project.assets.json")));
            var libraries = assets.RootElement.GetProperty("libraries");
            Assert.Equal("package", libraries.GetProperty("Knative.Eventing.Metrics/0.1.0").GetProperty("type").GetString());
            Assert.True(Directory.Exists(Path.Combine(packages, "knative.eventing.metrics", "0.1.0")), "the package was not restored from this run's feed");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void AssertPackage(string path, string id)
    {
        using var package = ZipFile.OpenRead(path);
        var nuspecEntry = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspecEntry.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? string.Empty;

        Assert.Equal(id, Value("id"));
        Assert.Equal("0.1.0", Value("version"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        Assert.Contains("knative", Value("tags"));
        Assert.Equal("Apache-2.0", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.Contains(package.Entries, e => e.FullName == "README.md");
        Assert.Contains(package.Entries, e => e.FullName.EndsWith($"{id}.xml", StringComparison.Ordinal)); // XML docs
        Assert.NotNull(metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository"));
    }
}
