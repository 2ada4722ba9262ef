using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.CloudEvents.Tests;

/// <summary>
/// A real Kestrel receiver on 127.0.0.1 (free port) that reads CloudEvents with the hook: valid events
/// are echoed back in the same mode (202), invalid requests get the problem+json answer.
/// </summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _accepted;

    private ReceiverHost(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public int AcceptedEvents => Volatile.Read(ref _accepted);

    /// <summary>Exceptions that escaped the endpoint (the hook must never let one out).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<Exception> Unhandled { get; } = new();

    public static CloudEventAttribute[] Extensions { get; } =
    [
        CloudEventAttribute.CreateExtension("extstring", CloudEventAttributeType.String),
        CloudEventAttribute.CreateExtension("extint", CloudEventAttributeType.Integer),
        CloudEventAttribute.CreateExtension("extbool", CloudEventAttributeType.Boolean),
        CloudEventAttribute.CreateExtension("exturi", CloudEventAttributeType.Uri),
        CloudEventAttribute.CreateExtension("exturiref", CloudEventAttributeType.UriReference),
        CloudEventAttribute.CreateExtension("exttime", CloudEventAttributeType.Timestamp),
        CloudEventAttribute.CreateExtension("extbinary", CloudEventAttributeType.Binary),
    ];

    public static async Task<ReceiverHost> StartAsync(long maxBodyBytes = 1024 * 1024)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddKnativeEventingCloudEvents();
        var app = builder.Build();
        var formatter = new JsonEventFormatter();
        ReceiverHost? host = null;
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex)
            {
                host!.Unhandled.Enqueue(ex);
                throw;
            }
        });
        app.MapPost("/events", async (HttpContext context) =>
        {
            var options = new CloudEventReadOptions { MaxBodyBytes = maxBodyBytes, Formatter = formatter };
            foreach (var extension in Extensions)
            {
                options.ExtensionAttributes.Add(extension);
            }

            var result = await context.Request.ReadCloudEventsAsync(options, context.RequestAborted);
            if (!result.Succeeded)
            {
                await result.WriteProblemAsync(context.Response, context.RequestAborted);
                return;
            }

            Interlocked.Add(ref host!._accepted, result.Events.Count);
            context.Response.StatusCode = 202;
            if (!result.IsBatch)
            {
                await context.Response.WriteCloudEventAsync(result.Events[0], result.Mode!.Value, formatter, context.RequestAborted);
            }
        });
        await app.StartAsync();
        var address = app.Urls.Single();
        host = new ReceiverHost(app, address);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
