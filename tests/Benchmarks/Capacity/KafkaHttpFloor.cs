using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Knative.Eventing.Metrics.TestInfrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The Kafka backend's second floor: <see cref="KafkaFloor"/>'s raw producer and five consumer groups behind a bare HTTP
/// endpoint, in a process of their own, as the exporter runs them. The endpoint reads the binary-mode POST, copies its
/// <c>ce-</c> headers and content type into record headers (the Kafka binding's names), produces, and answers 202 once
/// the record is persisted; nothing is validated, filtered, dispatched, measured or traced. So it pays what the
/// exporter's process layout pays (the HTTP hop on both sides, the broker clients in the serving process), and the
/// exporter against it is the cost of the broker's own work (<c>Knative.Eventing.Metrics.Benchmarks kafka-http-floor
/// PORT BOOTSTRAP WORKLOAD</c>; the capacity suite starts and stops it).
/// </summary>
internal sealed class KafkaHttpFloor : ICapacityTarget
{
    /// <summary>The command that runs the floor server.</summary>
    public const string Name = "kafka-http-floor";

    private const string Listening = "kafka http floor listening";

    private readonly ChildProcess _process;
    private readonly string _url;
    private readonly string _consumedUrl;
    private readonly Workload _workload;
    private readonly EventPoster _poster;
    private long _sequence;

    private KafkaHttpFloor(ChildProcess process, int port, Workload workload, int concurrency)
    {
        _process = process;
        _url = $"http://127.0.0.1:{port}/demo/default";
        _consumedUrl = $"http://127.0.0.1:{port}/consumed";
        _workload = workload;
        _poster = new EventPoster(concurrency);
    }

    /// <summary>The floor server's process body: listens on 127.0.0.1:<c>args[0]</c> with the clients of cluster <c>args[1]</c> until stopped.</summary>
    public static async Task RunAsync(string[] args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var workload = Workload.All.Single(w => w.Name == args[2]);
        await using var floor = KafkaFloor.Start(args[1], workload);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/{namespace}/{broker}", async (HttpContext context) =>
        {
            var request = context.Request;
            byte[] body;
            if (request.ContentLength is { } length)
            {
                body = new byte[length];
                await request.Body.ReadExactlyAsync(body, context.RequestAborted);
            }
            else
            {
                using var chunked = new MemoryStream();
                await request.Body.CopyToAsync(chunked, context.RequestAborted);
                body = chunked.ToArray();
            }
            var headers = new Headers();
            foreach (var (name, value) in request.Headers)
            {
                if (name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
                {
                    headers.Add("ce_" + name[3..].ToLowerInvariant(), Encoding.UTF8.GetBytes(value.ToString()));
                }
            }

            if (request.ContentType is { } contentType)
            {
                headers.Add("content-type", Encoding.UTF8.GetBytes(contentType));
            }

            var error = await floor.ProduceAsync(headers, body, context.RequestAborted);
            context.Response.StatusCode = error is null ? StatusCodes.Status202Accepted : StatusCodes.Status503ServiceUnavailable;
        });
        app.MapGet("/consumed", () => floor.Consumed.ToString(CultureInfo.InvariantCulture));
        await app.StartAsync();
        Console.WriteLine(Listening);
        await app.WaitForShutdownAsync();
    }

    /// <summary>Starts the floor server (this program, in its own process) on a free port, against the cluster at <paramref name="bootstrapServers"/>.</summary>
    public static async Task<KafkaHttpFloor> StartAsync(string bootstrapServers, Workload workload, int concurrency)
    {
        var port = FreePorts.Take(1)[0];
        var process = ChildProcess.Start(
            "dotnet",
            [typeof(KafkaHttpFloor).Assembly.Location, Name, port.ToString(CultureInfo.InvariantCulture), bootstrapServers, workload.Name]);
        await process.WaitForLineAsync(new System.Text.RegularExpressions.Regex(Listening), TimeSpan.FromSeconds(30));
        return new KafkaHttpFloor(process, port, workload, concurrency);
    }

    public int ProcessId => _process.Id;

    public long NextSequence(long count) => Interlocked.Add(ref _sequence, count) - count;

    public async ValueTask<string?> SendAsync(long n, CancellationToken cancellationToken)
    {
        using var request = _workload.Request(_url, n);
        return await _poster.PostAsync(request, cancellationToken);
    }

    /// <summary>Waits until the five groups consumed every accepted event (and the replies the workload causes), read from the floor's process.</summary>
    public Task<TimeSpan?> SettleAsync(TimeSpan limit) =>
        FloorSettle.UntilAsync(
            async () => long.Parse(await _poster.Http.GetStringAsync(_consumedUrl), CultureInfo.InvariantCulture),
            _poster.Accepted * _workload.OutcomesPerEvent,
            limit);

    public async ValueTask DisposeAsync()
    {
        _poster.Dispose();
        await _process.DisposeAsync();
    }
}
