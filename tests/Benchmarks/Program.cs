using BenchmarkDotNet.Running;
using Knative.Eventing.Metrics.Benchmarks.Capacity;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>
/// Runs the suites: <c>dotnet run -c Release --project tests/Benchmarks -- --filter '*DispatchRecording*'</c> (or ./bench.sh);
/// <c>-- capacity …</c> runs the capacity suite instead (<see cref="CapacityCommand"/>; <c>./bench.sh capacity</c>).
/// </summary>
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CapacityCommand.Name)
        {
            return await CapacityCommand.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == KestrelFloor.Name)
        {
            await KestrelFloor.RunAsync(args[1..]);
            return 0;
        }

        if (args.Length > 0 && args[0] == KafkaHttpFloor.Name)
        {
            await KafkaHttpFloor.RunAsync(args[1..]);
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
