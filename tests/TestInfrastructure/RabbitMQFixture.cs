using Testcontainers.RabbitMq;
using Xunit;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A real RabbitMQ server for a test collection: <c>RABBITMQ_URL</c> if set (with
/// <c>RABBITMQ_MANAGEMENT_URL</c> for broker-side truth) → Testcontainers when a Docker engine answers →
/// a private local node of the Debian <c>rabbitmq-server</c> package. A missing server is a failure
/// with an install hint, never a skip.
/// </summary>
public sealed class RabbitMQFixture : IAsyncLifetime
{
    private LocalRabbitMQNode? _local;
    private RabbitMqContainer? _container;

    /// <summary>The AMQP URI to connect to.</summary>
    public Uri AmqpUri { get; private set; } = null!;

    /// <summary>The management API (guest user), for what RabbitMQ itself reports.</summary>
    public RabbitMQManagement Management { get; private set; } = null!;

    /// <summary>Where the server came from, for failure messages.</summary>
    public string Origin { get; private set; } = string.Empty;

    /// <summary>Whether <see cref="StopNodeAsync"/> and <see cref="StartNodeAsync"/> work (the local node).</summary>
    public bool CanRestart => _local is not null;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var url = Environment.GetEnvironmentVariable("RABBITMQ_URL");
        if (!string.IsNullOrEmpty(url))
        {
            AmqpUri = new Uri(url);
            var management = Environment.GetEnvironmentVariable("RABBITMQ_MANAGEMENT_URL")
                ?? throw new InvalidOperationException("RABBITMQ_URL is set but RABBITMQ_MANAGEMENT_URL is not; the tests compare with what RabbitMQ reports and need its management API.");
            Management = new RabbitMQManagement(new Uri(management), AmqpUri.UserInfo);
            Origin = $"RABBITMQ_URL ({AmqpUri.Host}:{AmqpUri.Port})";
            return;
        }

        if (DockerEngine.MayBeReachable && await TryContainerAsync())
        {
            return;
        }

        _local = await LocalRabbitMQNode.StartAsync();
        AmqpUri = _local.AmqpUri;
        Management = new RabbitMQManagement(_local.ManagementUri, "guest:guest");
        Origin = $"local rabbitmq-server node {_local.NodeName} (amqp {_local.AmqpPort}, management {_local.ManagementPort})";
    }

    /// <summary>
    /// Raises (<paramref name="raised"/>) or clears RabbitMQ's memory alarm: a watermark of 0 blocks every
    /// publishing connection; 0.4 is the default.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is not one this fixture started as a local node.</exception>
    public Task SetMemoryAlarmAsync(bool raised) =>
        (_local ?? throw NotRestartable()).CtlAsync("set_vm_memory_high_watermark", raised ? "0" : "0.4");

    /// <summary>Stops the server (fault tests); its data is kept.</summary>
    /// <exception cref="InvalidOperationException">The server is not one this fixture started as a local node.</exception>
    public Task StopNodeAsync() => (_local ?? throw NotRestartable()).StopNodeAsync();

    /// <summary>Starts the stopped server again on the same ports and data.</summary>
    /// <exception cref="InvalidOperationException">The server is not one this fixture started as a local node.</exception>
    public Task StartNodeAsync() => (_local ?? throw NotRestartable()).StartNodeAgainAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Management?.Dispose();
        if (_local is not null)
        {
            await _local.DisposeAsync();
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    private async Task<bool> TryContainerAsync()
    {
        try
        {
            var container = new RabbitMqBuilder("rabbitmq:3-management").Build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await container.StartAsync(timeout.Token);
            _container = container;
            AmqpUri = new Uri(container.GetConnectionString());
            Management = new RabbitMQManagement(new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(15672)}/"), "rabbitmq:rabbitmq");
            Origin = "Testcontainers (rabbitmq:3-management)";
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"RabbitMQ fixture: Docker did not answer ({ex.GetType().Name}: {ex.Message}); using a local rabbitmq-server node.");
            return false;
        }
    }

    private InvalidOperationException NotRestartable() =>
        new($"This test controls the RabbitMQ node (stop, start, memory alarm), which works only with the local node the fixture starts itself (server here: {Origin}). Unset RABBITMQ_URL to run it.");
}
