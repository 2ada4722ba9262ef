using Knative.Eventing.Metrics.Exporter.Hosting;
using Knative.Eventing.Metrics.Exporter.Listening;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Exporter.TestInfrastructure;

/// <summary>The exporter host started in-process on real loopback ports (port 0: the OS picks free ones).</summary>
public sealed class RunningExporter : IAsyncDisposable
{
    private RunningExporter(WebApplication app, HttpClient http)
    {
        App = app;
        Http = http;
        var listeners = app.Services.GetRequiredService<Listeners>();
        MetricsUrl = listeners.BoundUrl(ListenerRole.Metrics);
        IngressUrl = listeners.BoundUrl(ListenerRole.Ingress);
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public string MetricsUrl { get; }

    public string IngressUrl { get; }

    public KnativeEventingMetrics Metrics => App.Services.GetRequiredService<KnativeEventingMetrics>();

    public static async Task<RunningExporter> StartAsync(params string[] extraArgs)
    {
        string[] args = ["--ingress-url", "http://127.0.0.1:0", "--metrics-url", "http://127.0.0.1:0", .. extraArgs];
        var app = ExporterHost.Build(args);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A start that fails (the tests of bad settings) must not leave its providers listening in this process: their
            // ActivityListeners would record every later test's spans.
            await app.DisposeAsync();
            throw;
        }

        return new RunningExporter(app, new HttpClient { Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>A probe on the ingress listener (<c>livez</c>, <c>readyz</c>, <c>healthz</c>): its status and body.</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body)> ProbeAsync(string probe)
    {
        using var response = await Http.GetAsync($"{IngressUrl}/{probe}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public Task<string> ScrapeAsync() => Http.GetStringAsync($"{MetricsUrl}/metrics");

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>Scrapes until <paramref name="condition"/> holds (deliveries are asynchronous) or the deadline passes; returns the last scrape.</summary>
    public Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> condition, TimeSpan timeout) =>
        Poll.UntilAsync(
            async () =>
            {
                await Metrics.RefreshBacklogAsync();
                return PrometheusText.Parse(await ScrapeAsync());
            },
            condition,
            timeout,
            TimeSpan.FromMilliseconds(100));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
