using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The slim Kestrel server both the Kestrel floor and the neighbour subscriber run: it listens on
/// 127.0.0.1, reads each POST's body and answers 202, after a delay when one is given (a slow subscriber).
/// </summary>
internal static class AcceptingServer
{
    /// <summary>Builds (does not start) the server for <paramref name="port"/>; POSTs to <paramref name="pattern"/> are accepted.</summary>
    public static WebApplication Build(int port, string pattern, TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost(pattern, async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted); // the subscriber's own latency
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
        });
        return app;
    }
}
