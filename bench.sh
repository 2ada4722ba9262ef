#!/usr/bin/env bash
# Reproduces docs/performance.md: runs the BenchmarkDotNet suites in Release and leaves the reports
# (markdown tables) in BenchmarkDotNet.Artifacts/results. Pass a filter to run a subset, e.g.
#   ./bench.sh '*DispatchRecording*'
# Run it on an otherwise idle machine: the ratios compare benchmarks of the same run.
set -euo pipefail
cd "$(dirname "$0")"
filter=${1:-'*'}
dotnet run -c Release --project tests/Benchmarks -- --filter "$filter" --artifacts BenchmarkDotNet.Artifacts
echo "reports: $(ls BenchmarkDotNet.Artifacts/results/*-report-github.md 2>/dev/null | tr '\n' ' ')"
