using System.Net;
using Knative.Eventing.Metrics.Exporter.Configuration;
using Knative.Eventing.Metrics.Exporter.Hosting;
using Knative.Eventing.Metrics.Exporter.Listening;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Knative.Eventing.Metrics.Exporter.Tests.Hosting;

/// <summary>
/// The README's command listens on loopback only: the ingress takes events from anyone who reaches it, so reaching it
/// from the network is a setting an operator makes (deploy/kubernetes does), and the banner says which it is.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LoopbackDefaultTests
{
    [Fact]
    public async Task Without_listener_settings_both_listeners_are_on_loopback()
    {
        var app = ExporterHost.Build([]);
        await using (app)
        {
            var options = app.Services.GetRequiredService<IOptions<ExporterOptions>>().Value;

            Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), ListenerSettings.Endpoint(options.IngressUrl, nameof(options.IngressUrl)));
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9464), ListenerSettings.Endpoint(options.MetricsUrl, nameof(options.MetricsUrl)));
        }
    }

    [Fact]
    public async Task An_explicit_wildcard_url_listens_on_every_interface()
    {
        var app = ExporterHost.Build(["--ingress-url", "http://0.0.0.0:8080", "--metrics-url", "http://*:9464"]);
        await using (app)
        {
            var options = app.Services.GetRequiredService<IOptions<ExporterOptions>>().Value;

            Assert.Equal(IPAddress.Any, ListenerSettings.Endpoint(options.IngressUrl, nameof(options.IngressUrl)).Address);
            Assert.Equal(IPAddress.Any, ListenerSettings.Endpoint(options.MetricsUrl, nameof(options.MetricsUrl)).Address);
        }
    }

    [Theory]
    [InlineData("127.0.0.1", "this machine only")]
    [InlineData("::1", "this machine only")]
    [InlineData("0.0.0.0", "every interface")]
    [InlineData("::", "every interface")]
    [InlineData("10.1.2.3", "the interface 10.1.2.3")]
    public void The_banner_says_who_can_reach_a_listener(string address, string reach) =>
        Assert.Equal(reach, StartupBanner.Reach(IPAddress.Parse(address)));

    [Fact]
    public void The_kubernetes_deployment_opens_both_listeners_explicitly()
    {
        var deployment = File.ReadAllText(RepositoryPaths.Combine("deploy", "kubernetes", "deployment.yaml"));

        Assert.Matches(@"name: Exporter__IngressUrl\s+value: ""http://0\.0\.0\.0:8080""", deployment);
        Assert.Matches(@"name: Exporter__MetricsUrl\s+value: ""http://0\.0\.0\.0:9464""", deployment);
    }
}
