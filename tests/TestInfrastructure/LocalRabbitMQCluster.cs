namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A RabbitMQ cluster of private nodes of the Debian <c>rabbitmq-server</c> package on 127.0.0.1: one epmd
/// for all of them, a cookie of their own, each node with its own name, ports and data, joined to the first
/// with <c>rabbitmqctl join_cluster</c>. Nodes can be stopped and started again (they rejoin with their data).
/// Disposing stops every node and the epmd and removes their files.
/// </summary>
public sealed class LocalRabbitMQCluster : IAsyncDisposable
{
    private readonly ChildProcess _epmd;
    private readonly List<LocalRabbitMQNode> _nodes = [];

    private LocalRabbitMQCluster(ChildProcess epmd, int epmdPort)
    {
        _epmd = epmd;
        EpmdPort = epmdPort;
    }

    /// <summary>The nodes, the first being the one the others joined.</summary>
    public IReadOnlyList<LocalRabbitMQNode> Nodes => _nodes;

    /// <summary>The shared epmd's port.</summary>
    public int EpmdPort { get; }

    /// <summary>Starts <paramref name="size"/> nodes and joins them into one cluster.</summary>
    /// <exception cref="InvalidOperationException">rabbitmq-server is not installed, or a node did not start or join (the message holds its output).</exception>
    public static async Task<LocalRabbitMQCluster> StartAsync(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var ports = FreePorts.Take(1 + (5 * size)); // in one call, so no two nodes get the same port
        var epmdPort = ports[0];
        var epmd = ChildProcess.Start(
            ExternalTool.Require("epmd", "erlang-base").Path,
            ["-port", epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-address", "127.0.0.1"]);
        var cluster = new LocalRabbitMQCluster(epmd, epmdPort);
        try
        {
            var cookie = $"KEM{Guid.NewGuid():N}".ToUpperInvariant();
            var nodes = await Task.WhenAll(Enumerable.Range(0, size).Select(i => LocalRabbitMQNode.StartAsync(epmdPort, cookie, ports[(1 + (5 * i))..(6 + (5 * i))])));
            cluster._nodes.AddRange(nodes);
            foreach (var node in nodes.Skip(1))
            {
                await node.CtlAsync("stop_app");
                await node.CtlAsync("join_cluster", nodes[0].NodeName);
                await node.CtlAsync("start_app");
            }

            await nodes[0].CtlAsync("await_online_nodes", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node of a name (as RabbitMQ reports it, e.g. a queue's leader).</summary>
    /// <exception cref="InvalidOperationException">No node has that name.</exception>
    public LocalRabbitMQNode Node(string name) =>
        _nodes.SingleOrDefault(n => n.NodeName == name) ?? throw new InvalidOperationException($"No node {name} in this cluster ({string.Join(", ", _nodes.Select(n => n.NodeName))}).");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // Reverse order: the first node, which the others joined, stops last.
        for (var i = _nodes.Count - 1; i >= 0; i--)
        {
            await _nodes[i].DisposeAsync();
        }

        await _epmd.DisposeAsync();
    }
}
