using System.Collections.Concurrent;
using System.Net;

namespace Knative.Eventing.Metrics.Exporter.Tests.ScaleOut;

/// <summary>
/// The producers' side of the truth: counts the 202 answers per ingress (host:port), i.e. how many events
/// each replica accepted, as the client saw them. A 202 is final, so each accepted event is counted once.
/// </summary>
internal sealed class AcceptedByReplica : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, long> _accepted = new();

    public AcceptedByReplica()
        : base(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10) })
    {
    }

    public long this[string authority] => _accepted.GetValueOrDefault(authority);

    public long Total => _accepted.Values.Sum();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            _accepted.AddOrUpdate(request.RequestUri!.Authority, 1, (_, n) => n + 1);
        }

        return response;
    }
}
