using Xunit;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A 3-node RabbitMQ cluster for a test collection: private local nodes of the Debian <c>rabbitmq-server</c>
/// package (<see cref="LocalRabbitMQCluster"/>). Always local, because the tests stop and start chosen nodes
/// (a queue's leader), which only a cluster the fixture owns allows. A missing package is a failure with the
/// install hint, never a skip.
/// </summary>
public sealed class RabbitMQClusterFixture : IAsyncLifetime
{
    /// <summary>How many nodes the cluster has.</summary>
    public const int Size = 3;

    private readonly List<RabbitMQManagement> _managements = [];
    private LocalRabbitMQCluster? _cluster;

    /// <summary>The cluster.</summary>
    public LocalRabbitMQCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    /// <summary>Every node's AMQP URI, comma-separated (the exporter's <c>Broker:RabbitMQ</c> for a cluster).</summary>
    public string AmqpUris => string.Join(',', Cluster.Nodes.Select(n => n.AmqpUri));

    /// <summary>The management API of a running node (cluster-wide figures: queues, exchanges).</summary>
    /// <exception cref="InvalidOperationException">No node runs.</exception>
    public RabbitMQManagement Management
    {
        get
        {
            for (var i = 0; i < Cluster.Nodes.Count; i++)
            {
                if (Cluster.Nodes[i].IsRunning)
                {
                    return _managements[i];
                }
            }

            throw new InvalidOperationException("No node of the cluster runs.");
        }
    }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _cluster = await LocalRabbitMQCluster.StartAsync(Size);
        _managements.AddRange(_cluster.Nodes.Select(n => new RabbitMQManagement(n.ManagementUri, "guest:guest")));
        var running = await Management.GetRunningNodesAsync();
        if (running.Count != Size)
        {
            throw new InvalidOperationException($"The RabbitMQ cluster has {running.Count} running nodes ({string.Join(", ", running)}), not {Size}.");
        }
    }

    /// <summary>Stops a node (graceful, data kept), e.g. the leader of a queue.</summary>
    public Task StopNodeAsync(string nodeName) => Cluster.Node(nodeName).StopNodeAsync();

    /// <summary>Starts a stopped node again; it rejoins the cluster with its data.</summary>
    public Task StartNodeAsync(string nodeName) => Cluster.Node(nodeName).StartNodeAgainAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        _managements.ForEach(m => m.Dispose());
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
