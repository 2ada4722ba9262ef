using BenchmarkDotNet.Running;

namespace Knative.Eventing.Metrics.Benchmarks;

/// <summary>Runs the suites: dotnet run -c Release --project tests/Benchmarks -- --filter '*DispatchRecording*' (or ./bench.sh).</summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
