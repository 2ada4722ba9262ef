namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// The load generator's HTTP side of a target that takes events over HTTP (the exporter, the Kestrel floors): one client
/// with the suite's number of connections, one POST per event, a 202 counted as accepted.
/// </summary>
internal sealed class EventPoster : IDisposable
{
    private readonly HttpClient _http;
    private long _accepted;

    public EventPoster(int concurrency) =>
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>Events answered 202 so far.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>The client, for the target's other requests (a floor's count).</summary>
    public HttpClient Http => _http;

    /// <summary>Sends <paramref name="request"/>. Returns null when it was answered 202, else what went wrong.</summary>
    public async ValueTask<string?> PostAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode == 202)
            {
                Interlocked.Increment(ref _accepted);
                return null;
            }

            return $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return ex.HttpRequestError.ToString();
        }
    }

    public void Dispose() => _http.Dispose();
}
