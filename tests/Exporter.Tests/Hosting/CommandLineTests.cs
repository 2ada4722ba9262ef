using Knative.Eventing.Metrics.Exporter.Hosting;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>The executable's command line as an operator types it: help, version, typos and unknown switches.</summary>
[Trait("Category", "Unit")]
public sealed class CommandLineTests
{
    [Fact]
    public async Task Help_lists_every_switch_with_its_default_and_environment_variable_and_exits_0()
    {
        var (exitCode, output) = await RunAsync("--help");

        Assert.Equal(0, exitCode);
        foreach (var (name, env, defaultValue) in new[]
        {
            ("--ingress-url", "Exporter__IngressUrl", "http://127.0.0.1:8080"),
            ("--metrics-url", "Exporter__MetricsUrl", "http://127.0.0.1:9464"),
            ("--metrics-path", "Exporter__MetricsPath", "/metrics"),
            ("--metrics-bearer-token", "Exporter__MetricsBearerToken", "unset"),
            ("--broker-class", "KnativeEventing__Metrics__BrokerClass", "from --backend"),
            ("--backend", "Broker__Backend", "Embedded"),
            ("--rabbitmq", "Broker__RabbitMQ", "amqp://guest:guest@localhost:5672/"),
            ("--kafka", "Broker__Kafka", "localhost:9092"),
            ("--players", "Game__Players", "5"),
            ("--rate", "Game__Rate", "20"),
            ("--max-events", "Game__MaxEvents", "unlimited"),
            ("--no-game", "Game__Enabled", "the game runs"),
        })
        {
            var line = output.Split('\n').SingleOrDefault(l => l.TrimStart().StartsWith(name + " ", StringComparison.Ordinal)
                || l.TrimStart().StartsWith(name + ",", StringComparison.Ordinal));
            Assert.True(line is not null, $"{name} is not in the help:\n{output}");
            Assert.Contains($"[default: {defaultValue}", line);
            Assert.Contains($"[env: {env}]", line);
        }

        Assert.Contains("--version", output);
        Assert.DoesNotContain("ingress:", output); // nothing started
    }

    [Fact]
    public async Task Version_prints_the_informational_version_and_exits_0()
    {
        var (exitCode, output) = await RunAsync("--version");

        Assert.Equal(0, exitCode);
        var version = typeof(ExporterHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        Assert.Equal(version, output.Trim());
    }

    [Theory]
    [InlineData(new[] { "--brokr", "rabbitmq" }, "'--brokr'", "--backend")]
    [InlineData(new[] { "--manifest", "x" }, "'--manifest'", "--manifests")]
    [InlineData(new[] { "--Brokr:Backend", "kafka" }, "'Brokr'", "Broker")]
    public async Task An_unknown_switch_exits_non_zero_naming_it(string[] args, string named, string? suggestion)
    {
        var (exitCode, output) = await RunAsync(args);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(named, output);
        if (suggestion is not null)
        {
            Assert.Contains(suggestion, output);
        }

        Assert.DoesNotContain("ingress:", output); // nothing started
    }

    [Fact]
    public void Manifests_and_resolve_are_repeatable_and_become_list_settings()
    {
        var parsed = ExporterCommandLine.Parse(["--manifests", "a.yaml", "--manifests", "dir", "--resolve", "Service/demo/audit=http://127.0.0.1:8081/"]);

        Assert.False(parsed.ShouldExit, parsed.Errors);
        Assert.Equal(
            ["--Broker:Manifests:0=a.yaml", "--Broker:Manifests:1=dir", "--Broker:Resolve:0=Service/demo/audit=http://127.0.0.1:8081/"],
            parsed.Configuration);
    }

    [Fact]
    public void Switches_and_configuration_keys_set_the_documented_configuration()
    {
        var parsed = ExporterCommandLine.Parse(["--backend", "kafka", "--no-game", "--Broker:KafkaProducerProperties:linger.ms", "-5", "--Game:Rate=7"]);

        Assert.False(parsed.ShouldExit, parsed.Errors);
        Assert.Equal(["--Broker:Backend=kafka", "--Game:Enabled=false", "--Broker:KafkaProducerProperties:linger.ms=-5", "--Game:Rate=7"], parsed.Configuration);
    }

    [Fact]
    public void The_older_name_broker_still_selects_the_backend()
    {
        var parsed = ExporterCommandLine.Parse(["--broker", "rabbitmq"]);

        Assert.False(parsed.ShouldExit, parsed.Errors);
        Assert.Equal(["--Broker:Backend=rabbitmq"], parsed.Configuration);
    }

    [Fact]
    public void Building_with_an_unknown_switch_throws_naming_it()
    {
        var ex = Assert.Throws<ArgumentException>(() => ExporterHost.Build(["--brokr", "kafka"]));

        Assert.Contains("--brokr", ex.Message);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        await using var process = ExporterBuildOutput.Start(args);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, process.Output);
    }
}
