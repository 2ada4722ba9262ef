using System.Text.RegularExpressions;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.Kafka;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Broker;

/// <summary>
/// The exporter on Kafka on a machine whose library path offers an older librdkafka as
/// <c>librdkafka.so</c> (Debian's librdkafka-dev does): it must load the librdkafka Confluent.Kafka ships,
/// or refuse to start naming both versions, never run with consumers that cannot consume.
/// </summary>
[Trait("Category", "Integration")]
[Collection(KafkaExporterCollection.Name)]
public sealed partial class ForeignLibrdkafkaTests(KafkaFixture fixture, ITestOutputHelper output)
{
    private const int Events = 50;

    [Fact]
    public async Task With_a_system_librdkafka_first_on_the_library_path_the_bundled_one_is_loaded_and_every_event_delivered()
    {
        var foreign = ForeignLibraryFolder();
        using var cleanup = new FolderDeletion(foreign);
        await using var subscriber = await CountingSubscriber.StartAsync();
        var ports = FreePorts.Take(2);
        var prefix = $"kem{Guid.NewGuid():N}"[..12];
        await using var exporter = await ExporterBuildOutput.StartListeningAsync(
            ["--ingress-url", $"http://127.0.0.1:{ports[0]}", "--metrics-url", $"http://127.0.0.1:{ports[1]}",
             .. LoadScenario.ExporterArgs(subscriber.Url), "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:ResourcePrefix", prefix],
            new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = foreign.FullName });
        var loaded = LoadedLine().Match(exporter.Output); // logged before the banner
        Assert.True(loaded.Success, $"no 'librdkafka … loaded from' line. Output:\n{exporter.Output}");
        using var client = LoadScenario.NewClient();
        for (var n = 0; n < Events; n++)
        {
            using var response = await client.SendAsync(LoadScenario.Event($"http://127.0.0.1:{ports[0]}/demo/default", "foreign", n));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }

        await Poll.UntilAsync(() => Task.FromResult(subscriber.Distinct), d => d >= Events, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
        output.WriteLine($"{loaded.Value}; {subscriber.Distinct} of {Events} delivered");

        Assert.Equal($"{KafkaNativeLibrary.Required.Major}.{KafkaNativeLibrary.Required.Minor}", loaded.Groups["version"].Value[..loaded.Groups["version"].Value.LastIndexOf('.')]);
        Assert.StartsWith(ExporterBuildOutput.Folder, loaded.Groups["file"].Value, StringComparison.Ordinal);
        Assert.Equal(Events, subscriber.Distinct);
        Assert.DoesNotContain("EntryPointNotFoundException", exporter.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pointed_at_an_older_librdkafka_the_exporter_refuses_to_start_naming_both_versions()
    {
        var system = SystemLibrary();
        await using var exporter = ExporterBuildOutput.Start(
            ["--ingress-url", "http://127.0.0.1:0", "--metrics-url", "http://127.0.0.1:0", "--players", "0",
             "--backend", "kafka", "--kafka", fixture.BootstrapServers, "--Broker:LibrdkafkaPath", system]);
        var exitCode = await exporter.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(exporter.Output);

        Assert.Equal(1, exitCode);
        Assert.Matches($@"The exporter did not start: librdkafka \d+\.\d+\.\d+ was loaded from '{Regex.Escape(system)}', but Confluent\.Kafka [\d.]+ needs librdkafka {Regex.Escape(KafkaNativeLibrary.Required.ToString())} or later", exporter.Output);
        Assert.DoesNotContain("ingress:", exporter.Output, StringComparison.Ordinal);
    }

    /// <summary>Debian's librdkafka (package librdkafka1; ./test.sh installs it), older than the one Confluent.Kafka ships.</summary>
    private static string SystemLibrary() =>
        Environment.GetEnvironmentVariable("KEM_SYSTEM_LIBRDKAFKA") is { Length: > 0 } configured ? configured
        : Directory.EnumerateFiles("/usr/lib", "librdkafka.so.1", SearchOption.AllDirectories).FirstOrDefault()
        ?? throw new InvalidOperationException("No system librdkafka (librdkafka.so.1) to test against. Install it with 'apt-get update && apt-get install -y librdkafka1' (./test.sh does this when run as root).");

    /// <summary>A folder holding the system library as <c>librdkafka.so</c>, as librdkafka-dev installs it.</summary>
    private static DirectoryInfo ForeignLibraryFolder()
    {
        var folder = Directory.CreateTempSubdirectory("kem-foreign-librdkafka-");
        File.CreateSymbolicLink(Path.Combine(folder.FullName, "librdkafka.so"), SystemLibrary());
        return folder;
    }

    [GeneratedRegex(@"librdkafka (?<version>\d+\.\d+\.\d+) loaded from (?<file>\S+)")]
    private static partial Regex LoadedLine();

    private sealed class FolderDeletion(DirectoryInfo folder) : IDisposable
    {
        public void Dispose() => folder.Delete(recursive: true);
    }
}
