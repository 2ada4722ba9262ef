using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Knative.Eventing.Metrics.TestInfrastructure;

/// <summary>
/// A private RabbitMQ node of the Debian <c>rabbitmq-server</c> package, on free 127.0.0.1 ports with
/// its own node name, data, log and config, the management and prometheus plugins, and its own epmd
/// (also on 127.0.0.1). Started as a child process (the package's <c>-detached</c> fails silently),
/// as the <c>rabbitmq</c> user when running as root. Restartable with the same data, so durable queues
/// and persistent messages survive a restart. Disposing stops everything it started and removes its files.
/// </summary>
public sealed class LocalRabbitMQNode : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly string _directory;
    private readonly bool _asRoot;
    private readonly string? _cookie;
    private readonly bool _ownsEpmd;
    private ChildProcess? _epmd;
    private ChildProcess? _node;

    private LocalRabbitMQNode(string directory, int[] ports, int? sharedEpmdPort, string? cookie)
    {
        _directory = directory;
        AmqpPort = ports[0];
        DistributionPort = ports[1];
        ManagementPort = ports[2];
        PrometheusPort = ports[3];
        EpmdPort = sharedEpmdPort ?? ports[4];
        NodeName = $"kem{AmqpPort}@localhost";
        _asRoot = Environment.UserName == "root";
        _cookie = cookie;
        _ownsEpmd = sharedEpmdPort is null;
    }

    /// <summary>The AMQP port.</summary>
    public int AmqpPort { get; }

    /// <summary>The Erlang distribution port.</summary>
    public int DistributionPort { get; }

    /// <summary>The management plugin's HTTP port.</summary>
    public int ManagementPort { get; }

    /// <summary>The prometheus plugin's HTTP port.</summary>
    public int PrometheusPort { get; }

    /// <summary>The private epmd's port.</summary>
    public int EpmdPort { get; }

    /// <summary>The Erlang node name.</summary>
    public string NodeName { get; }

    /// <summary>The AMQP URI (guest user, default vhost).</summary>
    public Uri AmqpUri => new($"amqp://guest:guest@127.0.0.1:{AmqpPort}/");

    /// <summary>The management API base URI.</summary>
    public Uri ManagementUri => new($"http://127.0.0.1:{ManagementPort}/");

    /// <summary>Everything the node printed so far.</summary>
    public string Output => _node?.Output ?? string.Empty;

    /// <summary>Whether the node's process runs (false between <see cref="StopNodeAsync"/> and <see cref="StartNodeAgainAsync"/>).</summary>
    public bool IsRunning => _node is { HasExited: false };

    /// <summary>Creates the node's files and starts it.</summary>
    /// <exception cref="InvalidOperationException">rabbitmq-server is not installed, or the node did not start (the message holds its output).</exception>
    public static Task<LocalRabbitMQNode> StartAsync() => StartAsync(null, null);

    /// <summary>
    /// Creates and starts a node of a cluster: it registers with the cluster's epmd (which the caller runs)
    /// and uses the cluster's Erlang cookie, so the nodes can reach each other.
    /// </summary>
    internal static async Task<LocalRabbitMQNode> StartAsync(int? sharedEpmdPort, string? cookie, int[]? ports = null)
    {
        if (!File.Exists(ServerScript))
        {
            ExternalTool.Require("rabbitmq-server", "rabbitmq-server");
        }

        var directory = Path.Combine(Path.GetTempPath(), $"kem-rabbitmq-{Guid.NewGuid():N}");
        var node = new LocalRabbitMQNode(directory, ports ?? FreePorts.Take(5), sharedEpmdPort, cookie);
        try
        {
            await node.WriteFilesAsync();
            await node.StartNodeAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the node (SIGTERM, graceful), keeping its data.</summary>
    public async Task StopNodeAsync()
    {
        if (_node is { } node)
        {
            _node = null;
            try
            {
                await node.StopAsync(TimeSpan.FromSeconds(60));
            }
            finally
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Runs <c>rabbitmqctl</c> against this node, as the node's user and through its private epmd
    /// (e.g. <c>set_vm_memory_high_watermark 0</c> raises the memory alarm).
    /// </summary>
    /// <returns>What rabbitmqctl printed.</returns>
    /// <exception cref="InvalidOperationException">rabbitmqctl failed (the message holds its output).</exception>
    /// <exception cref="TimeoutException">rabbitmqctl did not finish within 60 s.</exception>
    public async Task<string> CtlAsync(params string[] arguments)
    {
        await using var run = StartAsNodeUser(CtlScript, ["-n", NodeName, .. arguments]);
        var exitCode = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return exitCode == 0
            ? run.Output
            : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} exited with code {exitCode}. Output:\n{run.Output}");
    }

    /// <summary>Starts the node again on the same ports and data.</summary>
    public Task StartNodeAgainAsync() => StartNodeAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopNodeAsync();
        if (_epmd is { } epmd)
        {
            _epmd = null;
            await epmd.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task WriteFilesAsync()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(_directory, "log"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "enabled_plugins"), "[rabbitmq_management,rabbitmq_prometheus].\n");
        var config = new StringBuilder()
            .AppendLine($"listeners.tcp.1 = 127.0.0.1:{AmqpPort}")
            .AppendLine("management.tcp.ip = 127.0.0.1")
            .AppendLine($"management.tcp.port = {ManagementPort}")
            .AppendLine("prometheus.tcp.ip = 127.0.0.1")
            .AppendLine($"prometheus.tcp.port = {PrometheusPort}")
            .AppendLine("collect_statistics_interval = 500")
            .AppendLine("management.rates_mode = basic")
            .ToString();
        await File.WriteAllTextAsync(Path.Combine(_directory, "rabbitmq.conf"), config);
        if (_asRoot)
        {
            var chown = await ExternalTool.Require("chown", "coreutils").RunAsync(["-R", "rabbitmq:rabbitmq", _directory]);
            if (chown.ExitCode != 0)
            {
                throw new InvalidOperationException($"chown of {_directory} to the rabbitmq user failed: {chown.Output}");
            }
        }
    }

    private Dictionary<string, string> NodeEnvironment() => new()
    {
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log"),
        ["RABBITMQ_LOGS"] = "-",
        ["RABBITMQ_PID_FILE"] = Path.Combine(_directory, "node.pid"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq.conf"),
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}" + CookieArgument,
        ["RABBITMQ_CTL_ERL_ARGS"] = CookieArgument.Trim(),
        ["ERL_EPMD_PORT"] = EpmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
    };

    private string CookieArgument => _cookie is null ? string.Empty : $" -setcookie {_cookie}";

    /// <summary>One of the package's scripts with the node's environment, as the <c>rabbitmq</c> user when running as root.</summary>
    private ChildProcess StartAsNodeUser(string script, string[] arguments) => _asRoot
        ? ChildProcess.Start(ExternalTool.Require("runuser", "util-linux").Path, ["-u", "rabbitmq", "--", script, .. arguments], NodeEnvironment(), "/tmp")
        : ChildProcess.Start(script, arguments, NodeEnvironment(), "/tmp");

    private async Task StartNodeAsync()
    {
        if (_ownsEpmd)
        {
            _epmd ??= ChildProcess.Start(
                ExternalTool.Require("epmd", "erlang-base").Path,
                ["-port", EpmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-address", "127.0.0.1"]);
        }

        _node = StartAsNodeUser(ServerScript, []);

        var started = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        while (true)
        {
            if (_node.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with code {_node.ExitCode} while starting. Output:\n{_node.Output}");
            }

            if (await AmqpPortOpenAsync() && await ManagementAnswersAsync(http))
            {
                return;
            }

            if (started.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"rabbitmq-server did not serve within {StartTimeout}. Output:\n{_node.Output}");
            }

            await Task.Delay(200); // polling a starting server: a bounded wait for a condition, not a sleep as synchronisation
        }
    }

    private async Task<bool> AmqpPortOpenAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", AmqpPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task<bool> ManagementAnswersAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(ManagementUri, "api/overview"));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }
}
