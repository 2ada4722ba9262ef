using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A real HTTP subscriber on 127.0.0.1 (free port) that answers 200 and remembers every event id it
/// received (binary mode: the <c>ce-id</c> header), so a test can compare deliveries with what was accepted.
/// </summary>
public sealed class CountingSubscriber : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _ids = new();
    private readonly ConcurrentQueue<string> _order = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _traceParents = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<byte[]>> _bodies = new();
    private readonly SemaphoreSlim _arrivals = new(0);
    private TaskCompletionSource _open = Opened();
    private long _received;
    private long _arrived;
    private long _openConnections;

    private CountingSubscriber(WebApplication app) => _app = app;

    /// <summary>The subscriber's URL.</summary>
    public string Url => _app.Urls.Single();

    /// <summary>Requests received (redeliveries included).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Requests that arrived, answered or still held (see <see cref="Hold"/>).</summary>
    public long Arrived => Interlocked.Read(ref _arrived);

    /// <summary>
    /// TCP connections open to the subscriber. A connection counts until every request on it has been
    /// handled, so once a killed sender's connections are all closed, nothing it sent can still be counted.
    /// </summary>
    public long OpenConnections => Interlocked.Read(ref _openConnections);

    /// <summary>Distinct event ids received.</summary>
    public int Distinct => _ids.Count;

    /// <summary>The event ids in the order their requests were answered (redeliveries included).</summary>
    public IReadOnlyList<string> Order => [.. _order];

    /// <summary>The first this many requests for each event id are answered 503 (uncounted): a subscriber that fails first attempts.</summary>
    public int FailFirstAttempts { get; set; }

    /// <summary>
    /// Whether each request's <c>traceparent</c> is kept for <see cref="TraceParentsOf"/> (off by default: a load test's
    /// hundred thousand events would hold megabytes in the test process, whose heap the memory checks read).
    /// </summary>
    public bool RecordTraceParents { get; set; }

    /// <summary>The <c>traceparent</c> header of every request for the event <paramref name="id"/> (failed ones included), in order.</summary>
    public IReadOnlyList<string> TraceParentsOf(string id) => _traceParents.TryGetValue(id, out var values) ? [.. values] : [];

    /// <summary>Whether each request's body is kept for <see cref="BodiesOf"/> (off by default, as <see cref="RecordTraceParents"/>).</summary>
    public bool RecordBodies { get; set; }

    /// <summary>The body of every request for the event <paramref name="id"/> (failed ones included), in order.</summary>
    public IReadOnlyList<byte[]> BodiesOf(string id) => _bodies.TryGetValue(id, out var values) ? [.. values] : [];

    /// <summary>Whether the event with <paramref name="id"/> arrived at least once.</summary>
    public bool Got(string id) => _ids.ContainsKey(id);

    /// <summary>Completes when one more request has arrived than earlier calls consumed (one call per expected delivery).</summary>
    public Task NextArrivalAsync(CancellationToken cancellationToken = default) => _arrivals.WaitAsync(cancellationToken);

    /// <summary>Requests from now on wait (unanswered, uncounted) until <see cref="Release"/>: a subscriber that stalls.</summary>
    public void Hold()
    {
        if (Volatile.Read(ref _open).Task.IsCompleted)
        {
            Volatile.Write(ref _open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>Answers the held requests and every later one.</summary>
    public void Release() => Volatile.Read(ref _open).TrySetResult();

    /// <summary>Starts the subscriber: plain http, or https with <paramref name="certificate"/> (its URL then says https).</summary>
    public static async Task<CountingSubscriber> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(certificate is null ? "http://127.0.0.1:0" : "https://127.0.0.1:0");
        CountingSubscriber? subscriber = null;
        if (certificate is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Use(async (connection, next) =>
        {
            Interlocked.Increment(ref subscriber!._openConnections);
            try
            {
                await next();
            }
            finally
            {
                Interlocked.Decrement(ref subscriber._openConnections);
            }
        })));
        var app = builder.Build();
        subscriber = new CountingSubscriber(app);
        app.MapPost("/", async (HttpContext context) =>
        {
            Interlocked.Increment(ref subscriber._arrived);
            await Volatile.Read(ref subscriber._open).Task.WaitAsync(context.RequestAborted);
            var id = context.Request.Headers["ce-id"].ToString();
            if (subscriber.RecordTraceParents)
            {
                subscriber._traceParents.GetOrAdd(id, _ => new()).Enqueue(context.Request.Headers.TraceParent.ToString());
            }

            if (subscriber.RecordBodies)
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                subscriber._bodies.GetOrAdd(id, _ => new()).Enqueue(body.ToArray());
            }

            if (subscriber.FailFirstAttempts > 0 && subscriber._attempts.AddOrUpdate(id, 1, (_, c) => c + 1) <= subscriber.FailFirstAttempts)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            subscriber._ids.AddOrUpdate(id, 1, (_, c) => c + 1);
            subscriber._order.Enqueue(id);
            Interlocked.Increment(ref subscriber._received);
            subscriber._arrivals.Release();
            return Results.Ok();
        });
        await app.StartAsync();
        return subscriber;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrivals.Dispose();
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
