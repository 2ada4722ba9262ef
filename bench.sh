#!/usr/bin/env bash
# Reproduces docs/performance.md. Run it on an otherwise idle machine: the ratios compare runs of the same session.
#   ./bench.sh                      every BenchmarkDotNet suite (reports in BenchmarkDotNet.Artifacts/results)
#   ./bench.sh '*DispatchRecording*'  a subset of them
#   ./bench.sh capacity [options]   the capacity suite: the real exporter process per backend and workload beside
#                                   its floor, stepped open-loop load; capacity.md and capacity-<backend>.png in
#                                   BenchmarkDotNet.Artifacts/capacity (options: --backends, --workloads, --probe,
#                                   --hold, --p99, --out, --no-floor; --help lists them). Needs rabbitmq-server and librdkafka
#                                   (./test.sh installs both); takes about an hour for everything.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = capacity ]; then
  shift
  dotnet build -c Release tests/Benchmarks -v quiet -nologo
  exec dotnet tests/Benchmarks/bin/Release/net10.0/Knative.Eventing.Metrics.Benchmarks.dll capacity "$@"
fi
filter=${1:-'*'}
dotnet run -c Release --project tests/Benchmarks -- --filter "$filter" --artifacts BenchmarkDotNet.Artifacts
echo "reports: $(ls BenchmarkDotNet.Artifacts/results/*-report-github.md 2>/dev/null | tr '\n' ' ')"
