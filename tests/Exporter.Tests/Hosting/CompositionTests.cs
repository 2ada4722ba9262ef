using Knative.Eventing.Metrics.Broker.Dispatch;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Exporter.Game;
using Knative.Eventing.Metrics.Exporter.Hosting;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>
/// How hosting composes the layers: the configuration is read once (command line parsed once by Program,
/// manifests read and the topology built once, though the validator and the services both use it), and the game
/// plugs in only as subscribers and default manifests, none of which <c>--no-game</c> registers.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CompositionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kem-composition-").FullName;

    [Fact]
    public async Task Startup_reads_the_manifests_and_builds_the_topology_once()
    {
        await using var exporter = await RunningExporter.StartAsync("--players", "0");

        Assert.Equal(1, exporter.Service<TopologySource>().Builds);
        Assert.Equal(5, exporter.Service<Topology>().Triggers.Count); // the game's five, from deploy/knative/game.yaml
    }

    [Fact]
    public async Task No_game_registers_none_of_the_game_and_runs_the_manifests_given()
    {
        await using var subscriber = await CountingSubscriber.StartAsync();
        var manifests = Path.Combine(_directory, "app.yaml");
        await File.WriteAllTextAsync(manifests, $"""
            apiVersion: eventing.knative.dev/v1
            kind: Broker
            metadata: {"{"} name: default, namespace: shop {"}"}
            ---
            apiVersion: eventing.knative.dev/v1
            kind: Trigger
            metadata: {"{"} name: orders, namespace: shop {"}"}
            spec:
              broker: default
              subscriber: {"{"} uri: "{subscriber.Url}" {"}"}
            """);
        await using var exporter = await RunningExporter.StartAsync("--no-game", "--manifests", manifests);

        Assert.Empty(exporter.App.Services.GetServices<IInProcessSubscriber>());
        Assert.Null(exporter.App.Services.GetService<GameSimulator>());
        Assert.Null(exporter.App.Services.GetService<Leaderboard>());
        Assert.Equal(["shop/default"], exporter.Service<Topology>().Brokers.Select(b => $"{b.Namespace}/{b.Name}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await exporter.Http.GetAsync($"{exporter.IngressUrl}/leaderboard")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await exporter.Http.PostAsync($"{exporter.IngressUrl}/demo/default", null)).StatusCode);

        using var post = BinaryCloudEvent.Post($"{exporter.IngressUrl}/shop/default", "o-1", "shop.order", "/shop", "{}"u8.ToArray());
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await exporter.Http.SendAsync(post)).StatusCode);
        var scrape = await exporter.ScrapeUntilAsync(s => s.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "orders")) == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, scrape.Sum("kn_eventing_deliveries_total", ("kn_trigger_name", "orders")));
        Assert.Equal(1, subscriber.Received);
        var frame = await exporter.Http.GetStringAsync($"{exporter.IngressUrl}/live/frame");
        Assert.Contains("\"leaderboard\":[]", frame, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task No_game_without_manifests_or_settings_stops_startup_naming_what_is_missing()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = ExporterHost.Build(["--no-game", "--ingress-url", "http://127.0.0.1:0", "--metrics-url", "http://127.0.0.1:0"]);
            await app.StartAsync();
        });

        Assert.Equal("Invalid broker configuration: Broker:Brokers: at least one broker is required (in settings or in --manifests).", ex.Message);
    }

    [Fact]
    public async Task No_game_with_the_games_manifests_stops_startup_naming_the_missing_in_process_subscriber()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = ExporterHost.Build(
            [
                "--no-game", "--manifests", RepositoryPaths.Combine("deploy", "knative", "game.yaml"),
                "--ingress-url", "http://127.0.0.1:0", "--metrics-url", "http://127.0.0.1:0",
            ]);
            await app.StartAsync();
        });

        Assert.StartsWith("Invalid broker configuration: trigger demo/default/leaderboard: no in-process subscriber 'leaderboard'", ex.Message);
        Assert.Contains("not with --no-game", ex.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
