using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.Extensions.DependencyInjection;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>Sending CloudEvents through an instrumented HttpClient.</summary>
[Trait("Category", "Unit")]
public sealed class SendHandlerTests
{
    [Fact]
    public async Task Sends_are_timed_with_type_specversion_and_status_and_other_requests_pass_unmeasured()
    {
        using var capture = new MetricCapture();
        await using var host = await ReceiverHost.StartAsync();
        var services = new ServiceCollection();
        services.AddHttpClient("events").AddCloudEventsInstrumentation();
        await using var provider = services.BuildServiceProvider();
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("events");
        var cloudEvent = new CloudEvent { Id = "1", Source = new Uri("/game", UriKind.Relative), Type = "dev.knative.game.start" };

        using var binary = await http.PostAsync($"{host.Url}/events", cloudEvent.ToHttpContent(ContentMode.Binary, new JsonEventFormatter()));
        using var plain = await http.PostAsync($"{host.Url}/events", new StringContent("not an event"));

        var send = capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.client.send.duration");
        Assert.Equal(1, send.Total());
        Assert.Equal(1, send.Total(("cloudevents.type", "dev.knative.game.start"), ("cloudevents.specversion", "1.0"), ("http.response.status_code", 202)));
    }

    [Fact]
    public async Task A_failed_send_is_counted_with_its_error_type_and_the_exception_reaches_the_caller()
    {
        using var capture = new MetricCapture();
        using var instrumentation = new CloudEventsInstrumentation();
        using var http = new HttpClient(new CloudEventsHttpHandler(instrumentation) { InnerHandler = new SocketsHttpHandler() });
        var port = FreePorts.Take(1)[0]; // nothing listens there
        var cloudEvent = new CloudEvent { Id = "1", Source = new Uri("/game", UriKind.Relative), Type = "t" };

        await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync($"http://127.0.0.1:{port}/", cloudEvent.ToHttpContent(ContentMode.Binary, new JsonEventFormatter())));

        Assert.Equal(1, capture.Get(KnativeEventingMeterNames.CloudEvents, "cloudevents.client.send.duration").Total(("error.type", "System.Net.Http.HttpRequestException")));
    }
}
