using BenchmarkDotNet.Running;

// Run with e.g.: dotnet run -c Release --project tests/Benchmarks -- --filter '*DispatchRecording*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
