using Knative.Eventing.Metrics.Broker.Configuration;
using Knative.Eventing.Metrics.Broker.Model;
using Knative.Eventing.Metrics.Exporter.Hosting;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Tests.Security;

/// <summary>What startup says about sender authentication: refused with the game, and the banner's line either way.</summary>
[Trait("Category", "Unit")]
public sealed class SenderAuthenticationStartupTests
{
    [Fact]
    public async Task An_issuer_with_the_game_running_stops_startup_since_its_players_have_no_tokens()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = ExporterHost.Build(
                ["--oidc-issuer", "http://127.0.0.1:1", "--ingress-url", "http://127.0.0.1:0", "--metrics-url", "http://127.0.0.1:0"]);
            await app.StartAsync();
        });

        Assert.StartsWith("Invalid broker configuration: Broker:Oidc:Issuer: the game's simulated players have no tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--no-game", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_banner_says_whether_senders_are_authenticated_and_what_decides_who_may_send()
    {
        var game = RepositoryPaths.Combine("deploy", "knative", "game.yaml");
        var off = Topology.Build(new BrokerOptions { Manifests = [game] }, []);
        var on = Topology.Build(new BrokerOptions { Manifests = [game], Oidc = new OidcOptions { Issuer = "https://issuer.example/" } }, []);

        Assert.Equal("off (anyone who reaches the ingress may send)", StartupBanner.Authentication(off));
        Assert.Equal(
            "on (tokens from https://issuer.example/; 0 EventPolicies, default-authorization-mode allow-same-namespace)",
            StartupBanner.Authentication(on));
    }
}
