using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Knative.Eventing.Metrics.Exporter.Tests.Load;
using Knative.Eventing.Metrics.TestInfrastructure;
using Xunit.Abstractions;

namespace Knative.Eventing.Metrics.Exporter.Tests.Attacks;

/// <summary>
/// Slowloris-style clients (bounded: 200 connections trickling header lines, 20 trickling a body) against
/// the ingress: they are disconnected by the header timeout and the minimum body rate, and meanwhile
/// real producers are served at full speed; nothing they sent is lost.
/// </summary>
[Trait(LoadScenario.Trait, LoadScenario.Load)]
public sealed class SlowClientTests(ITestOutputHelper output)
{
    private const int SlowHeaderClients = 200;
    private const int SlowBodyClients = 20;
    private static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Slow_clients_are_cut_off_by_the_timeouts_while_real_producers_are_served()
    {
        await using var scenario = await LoadScenario.StartAsync("--Exporter:RequestHeadersTimeout", "PT2S");
        await scenario.WarmUpAsync();
        var port = new Uri(scenario.Exporter.IngressUrl).Port;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // bound: no slow client outlives the test

        var connections = await Task.WhenAll(Enumerable.Range(0, SlowHeaderClients + SlowBodyClients).Select(_ => ConnectAsync(port, stop.Token)));
        var slowHeaders = connections.Take(SlowHeaderClients).Select(c => HoldAsync(c, body: false, stop.Token)).ToArray();
        var slowBodies = connections.Skip(SlowHeaderClients).Select(c => HoldAsync(c, body: true, stop.Token)).ToArray();
        var report = await new IngressLoad().RunAsync(scenario.Client, 200, TimeSpan.FromSeconds(5), n => scenario.Event("producer", n));
        var headerHeld = await Task.WhenAll(slowHeaders);
        var bodyHeld = await Task.WhenAll(slowBodies);
        output.WriteLine($"producers beside {SlowHeaderClients} slow-header and {SlowBodyClients} slow-body clients: {report}");
        output.WriteLine($"slow headers held {headerHeld.Min():F1}..{headerHeld.Max():F1} s (timeout {HeaderTimeout.TotalSeconds} s); slow bodies held {bodyHeld.Min():F1}..{bodyHeld.Max():F1} s (240 B/s after 5 s grace)");

        Assert.Equal(report.Requests, report.Answered(202));
        Assert.True(report.Percentile(99) < 250, $"p99 {report.Percentile(99):F1} ms beside the slow clients");
        Assert.All(headerHeld, held => Assert.InRange(held, HeaderTimeout.TotalSeconds - 0.1, HeaderTimeout.TotalSeconds + 3));
        Assert.All(bodyHeld, held => Assert.InRange(held, 4.9, 10));
        var scrape = await scenario.SettleAsync(report.Requests);
        scenario.AssertNothingLost(scrape, report.Requests, Enumerable.Range(0, (int)report.Requests).Select(n => $"producer-{n}"));
        Assert.Equal(SlowBodyClients, scrape.Sum("kn_eventing_events_invalid_total", ("error_type", "malformed"))); // an aborted body is a truncated event
    }

    /// <summary>
    /// Sends a request on an open connection far too slowly (a header line, or a body byte, every 200 ms)
    /// until the server closes it; returns how long the server let it live, in seconds.
    /// </summary>
    private static async Task<double> HoldAsync((Socket Socket, long Opened) connection, bool body, CancellationToken cancellationToken)
    {
        var (socket, opened) = connection;
        using var dispose = socket;
        var head = body
            ? "POST /demo/default HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/cloudevents+json\r\nContent-Length: 100000\r\n\r\n{"
            : "POST /demo/default HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head), cancellationToken);
        var closed = DrainUntilClosedAsync(socket, cancellationToken);
        using var trickle = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var piece = Encoding.ASCII.GetBytes(body ? " " : "X-Slow: 1\r\n");
        while (!closed.IsCompleted && await trickle.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await socket.SendAsync(piece, cancellationToken);
            }
            catch (SocketException)
            {
                break; // the server closed the connection
            }
        }

        await closed;
        return Stopwatch.GetElapsedTime(opened).TotalSeconds;
    }

    private static async Task<(Socket Socket, long Opened)> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        return (socket, Stopwatch.GetTimestamp());
    }

    private static async Task DrainUntilClosedAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // reset by the server: closed as well
        }
    }
}
