using System.CommandLine;
using System.Globalization;
using Knative.Eventing.Metrics.TestInfrastructure;

namespace Knative.Eventing.Metrics.Benchmarks.Capacity;

/// <summary>
/// <c>capacity</c>: for each backend and workload, the highest rate the exporter's broker sustains and, in the
/// same run, the floor's (Kestrel alone for the embedded backend; the raw RabbitMQ / Kafka client doing the same
/// broker work; for Kafka also that client behind a bare HTTP endpoint in its own process, <see cref="KafkaHttpFloor"/>), then a markdown table and one PNG per backend (latency against offered rate) in <c>--out</c>.
/// The RabbitMQ node and the Kafka mock cluster are started and stopped here, bound to 127.0.0.1.
/// </summary>
internal static class CapacityCommand
{
    public const string Name = "capacity";

    /// <summary>Cancelled by Ctrl+C or SIGTERM: the current step stops, and the RabbitMQ node, mock cluster and processes are stopped.</summary>
    public static CancellationTokenSource Stopping { get; } = new();

    public static async Task<int> RunAsync(string[] args)
    {
        var backends = new Option<string[]>("--backends") { Description = "embedded, rabbitmq, kafka", DefaultValueFactory = _ => ["embedded", "rabbitmq", "kafka"], AllowMultipleArgumentsPerToken = true };
        var workloads = new Option<string[]>("--workloads") { Description = string.Join(", ", Workload.All.Select(w => w.Name)), DefaultValueFactory = _ => [.. Workload.All.Select(w => w.Name)], AllowMultipleArgumentsPerToken = true };
        var probe = new Option<double>("--probe") { Description = "seconds per probe step", DefaultValueFactory = _ => 5 };
        var hold = new Option<double>("--hold") { Description = "seconds the best rate must hold", DefaultValueFactory = _ => 30 };
        var p99 = new Option<double>("--p99") { Description = "p99 latency bound, ms", DefaultValueFactory = _ => 100 };
        var output = new Option<string>("--out") { Description = "folder for capacity.md and the plots", DefaultValueFactory = _ => Path.Combine("BenchmarkDotNet.Artifacts", "capacity") };
        var noFloor = new Option<bool>("--no-floor") { Description = "measure the exporter only, without its floor (for a quick rerun of one row)" };
        var tracing = new Option<string>("--tracing") { Description = "default (spans and exemplars as shipped), off (--Exporter:Tracing false), or both", DefaultValueFactory = _ => "default" };
        tracing.AcceptOnlyFromAmong("default", "off", "both");
        var auth = new Option<string>("--auth") { Description = "off (as shipped), on (--oidc-issuer: a JWT per request checked by the ingress), or both", DefaultValueFactory = _ => "off" };
        auth.AcceptOnlyFromAmong("off", "on", "both");
        var command = new RootCommand("Capacity of the exporter's broker per backend and workload, beside its floor.") { backends, workloads, probe, hold, p99, output, noFloor, tracing, auth };
        var parse = command.Parse(args);
        if (parse.Errors.Count > 0 || parse.Action is not null)
        {
            return await parse.InvokeAsync();
        }

        var unknown = parse.GetValue(backends)!.Except(["embedded", "rabbitmq", "kafka"]).Concat(parse.GetValue(workloads)!.Except(Workload.All.Select(w => w.Name))).ToList();
        if (unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync($"Unknown backend or workload: {string.Join(", ", unknown)}. Backends: embedded, rabbitmq, kafka; workloads: {string.Join(", ", Workload.All.Select(w => w.Name))}.");
            return 2;
        }

        var settings = new CapacitySettings
        {
            Probe = TimeSpan.FromSeconds(parse.GetValue(probe)),
            Hold = TimeSpan.FromSeconds(parse.GetValue(hold)),
            P99BoundMs = parse.GetValue(p99),
            Floors = !parse.GetValue(noFloor),
            Tracing = parse.GetValue(tracing)!,
            Auth = parse.GetValue(auth)!,
        };
        var folder = Directory.CreateDirectory(parse.GetValue(output)!).FullName;
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        var chosen = Workload.All.Where(w => parse.GetValue(workloads)!.Contains(w.Name)).ToList();
        var results = new List<CapacityResult>();
        foreach (var backend in parse.GetValue(backends)!.Distinct().TakeWhile(_ => !Stopping.IsCancellationRequested))
        {
            results.AddRange(await RunBackendAsync(backend, chosen, settings));
            CapacityReport.Write(folder, results, settings);
        }

        Console.WriteLine(File.ReadAllText(Path.Combine(folder, CapacityReport.FileName)));
        Console.WriteLine($"report and plots: {folder}");
        return 0;
    }

    private static void Stop(System.Runtime.InteropServices.PosixSignalContext context)
    {
        context.Cancel = true; // stop cleanly: what this run started is stopped by the disposals
        Console.Error.WriteLine("stopping: the current step ends, then everything started is stopped");
        Stopping.Cancel();
    }

    private static async Task<List<CapacityResult>> RunBackendAsync(string backend, IReadOnlyList<Workload> workloads, CapacitySettings settings)
    {
        var results = new List<CapacityResult>();
        switch (backend)
        {
            case "embedded":
                foreach (var workload in workloads.TakeWhile(_ => !Stopping.IsCancellationRequested))
                {
                    if (workload.Neighbour is null && settings.Floors)
                    {
                        results.Add(await MeasureAsync(backend, workload, "floor: Kestrel alone", async () => await KestrelFloor.StartAsync(workload, settings.Concurrency), settings));
                    }

                    results.AddRange(await MeasureExporterAsync(backend, workload, [], NeighbourParallelism, settings));
                }

                break;
            case "rabbitmq":
                await using (var node = await LocalRabbitMQNode.StartAsync())
                {
                    foreach (var workload in workloads.TakeWhile(_ => !Stopping.IsCancellationRequested))
                    {
                        if (workload.Neighbour is null && settings.Floors)
                        {
                            results.Add(await MeasureAsync(backend, workload, "floor: RabbitMQ.Client", async () => await RabbitMQFloor.StartAsync(node.AmqpUri, workload), settings));
                        }

                        results.AddRange(await MeasureExporterAsync(backend, workload, ["--backend", "rabbitmq", "--rabbitmq", node.AmqpUri.ToString(), "--Broker:ResourcePrefix", Prefix()], NeighbourParallelism, settings));
                    }
                }

                break;
            default:
                Knative.Eventing.Metrics.Kafka.KafkaNativeLibrary.EnsureLoaded();
                using (var cluster = KafkaMockCluster.Start(3))
                {
                    foreach (var workload in workloads.TakeWhile(_ => !Stopping.IsCancellationRequested))
                    {
                        if (workload.Neighbour is null && settings.Floors)
                        {
                            results.Add(await MeasureAsync(backend, workload, "floor: Confluent.Kafka", () => Task.FromResult<ICapacityTarget>(KafkaFloor.Start(cluster.BootstrapServers, workload)), settings));
                            if (workload.OutcomesPerEvent == Workload.Triggers)
                            {
                                // Not for the score mix: its raw floor already steps down to ~32/s for 11 minutes (replies awaited one by one).
                                results.Add(await MeasureAsync(backend, workload, "floor: Kestrel + Confluent.Kafka", async () => await KafkaHttpFloor.StartAsync(cluster.BootstrapServers, workload, settings.Concurrency), settings));
                            }
                        }

                        // Kafka delivers a trigger's records one at a time per partition: the neighbour lags, in its own group.
                        results.AddRange(await MeasureExporterAsync(backend, workload, ["--backend", "kafka", "--kafka", cluster.BootstrapServers, "--Broker:ResourcePrefix", Prefix()], null, settings));
                    }
                }

                break;
        }

        return results;
    }

    /// <summary>Deliveries at once of the slow-neighbour runs' extra trigger: 1,000 × 50 ms keeps up with 20,000 events/s.</summary>
    private const int NeighbourParallelism = 1000;

    private static async Task<IReadOnlyList<CapacityResult>> MeasureExporterAsync(string backend, Workload workload, string[] backendArgs, int? neighbourParallelism, CapacitySettings settings)
    {
        var results = new List<CapacityResult>();
        if (settings.Auth is "off" or "both")
        {
            if (settings.Tracing is "default" or "both")
            {
                results.Add(await MeasureExporterAsync(backend, workload, backendArgs, neighbourParallelism, settings, "exporter"));
            }

            if (settings.Tracing is "off" or "both" && !Stopping.IsCancellationRequested)
            {
                results.Add(await MeasureExporterAsync(backend, workload, [.. backendArgs, "--Exporter:Tracing", "false"], neighbourParallelism, settings, "exporter (tracing off)"));
            }
        }

        if (settings.Auth is "on" or "both" && !Stopping.IsCancellationRequested)
        {
            // A real issuer in this process (discovery and JWKS over HTTP on 127.0.0.1); the game's broker demo/default has no
            // EventPolicy, so default-authorization-mode allow-same-namespace admits a service account of namespace demo.
            await using var issuer = await TestIssuer.StartAsync();
            var token = issuer.Token("system:serviceaccount:demo:capacity", "eventing.knative.dev/broker/demo/default", expiresIn: TimeSpan.FromHours(2));
            results.Add(await MeasureExporterAsync(backend, workload, [.. backendArgs, "--oidc-issuer", issuer.Url], neighbourParallelism, settings with { Token = token }, "exporter (auth on)"));
        }

        return results;
    }

    private static async Task<CapacityResult> MeasureExporterAsync(string backend, Workload workload, string[] backendArgs, int? neighbourParallelism, CapacitySettings settings, string role)
    {
        if (workload.Neighbour is not { } delay)
        {
            return await MeasureAsync(backend, workload, role, async () => await ExporterTarget.StartAsync(backendArgs, workload, settings.Concurrency, settings.Token), settings);
        }

        await using var neighbour = await NeighbourSubscriber.StartAsync(delay);
        return await MeasureAsync(backend, workload, role, async () => await ExporterTarget.StartAsync([.. backendArgs, .. neighbour.TriggerArgs(neighbourParallelism)], workload, settings.Concurrency, settings.Token), settings);
    }

    private static string Prefix() => $"cap{Guid.NewGuid():N}"[..11];

    private static async Task<CapacityResult> MeasureAsync(string backend, Workload workload, string role, Func<Task<ICapacityTarget>> start, CapacitySettings settings)
    {
        Console.WriteLine($"{backend} / {workload.Name} / {role}");
        await using var target = await start();
        var result = await CapacitySearch.RunAsync(backend, workload.Name, role, target, settings, Console.Out);
        Console.WriteLine($"  => {result.Rate.ToString("F0", CultureInfo.InvariantCulture)} events/s sustained");
        return result;
    }
}
