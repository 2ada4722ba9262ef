using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>What RabbitMQ itself reports, read from its management HTTP API.</summary>
public sealed class RabbitMQManagement : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a client for the management API at <paramref name="baseUri"/>.</summary>
    public RabbitMQManagement(Uri baseUri, string userInfo)
    {
        _http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(10) };
        var credentials = Uri.UnescapeDataString(string.IsNullOrEmpty(userInfo) ? "guest:guest" : userInfo);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
    }

    /// <summary>One queue's counters as RabbitMQ reports them.</summary>
    public async Task<QueueStats> GetQueueAsync(string queue, string vhost = "/")
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync($"api/queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}"));
        var root = document.RootElement;
        var stats = root.TryGetProperty("message_stats", out var s) ? s : default;
        return new QueueStats(
            Long(root, "messages"),
            Long(root, "messages_ready"),
            Long(root, "messages_unacknowledged"),
            Long(stats, "publish"),
            Long(stats, "deliver"),
            Long(stats, "redeliver"),
            Long(stats, "ack"));
    }

    /// <summary>The node that leads a quorum queue (or holds a classic one), e.g. <c>kem5672@localhost</c>.</summary>
    public async Task<string> GetQueueLeaderAsync(string queue, string vhost = "/")
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync($"api/queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}"));
        var root = document.RootElement;
        return (root.TryGetProperty("leader", out var leader) ? leader : root.GetProperty("node")).GetString()
            ?? throw new InvalidOperationException($"RabbitMQ reported no node for queue {queue}.");
    }

    /// <summary>The queue's type as RabbitMQ reports it (<c>quorum</c>, <c>classic</c>) and its arguments.</summary>
    public async Task<(string Type, IReadOnlyDictionary<string, string> Arguments)> GetQueueTypeAsync(string queue, string vhost = "/")
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync($"api/queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}"));
        var root = document.RootElement;
        var arguments = root.GetProperty("arguments").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
        return (root.GetProperty("type").GetString() ?? string.Empty, arguments);
    }

    /// <summary>The client connections (their client-provided name and the node they are on).</summary>
    public async Task<IReadOnlyList<(string Name, string Node)>> GetConnectionsAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("api/connections"));
        return [.. document.RootElement.EnumerateArray().Select(c => (
            c.TryGetProperty("user_provided_name", out var name) ? name.GetString() ?? string.Empty : string.Empty,
            c.GetProperty("node").GetString() ?? string.Empty))];
    }

    /// <summary>The names of the cluster's running nodes.</summary>
    public async Task<IReadOnlyList<string>> GetRunningNodesAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("api/nodes"));
        return [.. document.RootElement.EnumerateArray().Where(n => n.GetProperty("running").GetBoolean()).Select(n => n.GetProperty("name").GetString()!)];
    }

    /// <summary>One exchange's counters as RabbitMQ reports them.</summary>
    public async Task<ExchangeStats> GetExchangeAsync(string exchange, string vhost = "/")
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync($"api/exchanges/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(exchange)}"));
        var stats = document.RootElement.TryGetProperty("message_stats", out var s) ? s : default;
        return new ExchangeStats(Long(stats, "publish_in"), Long(stats, "publish_out"));
    }

    /// <summary>
    /// Reads until <paramref name="condition"/> holds (the management statistics are sampled, every
    /// 500 ms on the local node) or <paramref name="timeout"/> passes; returns the last value read.
    /// </summary>
    public static Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan timeout) =>
        Poll.UntilAsync(read, condition, timeout, TimeSpan.FromMilliseconds(250));

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private static long Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : 0;
}

/// <summary>A queue's depth and message counters.</summary>
public sealed record QueueStats(long Messages, long Ready, long Unacknowledged, long Published, long Delivered, long Redelivered, long Acknowledged);

/// <summary>An exchange's message counters.</summary>
public sealed record ExchangeStats(long PublishedIn, long PublishedOut);
