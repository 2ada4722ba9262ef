#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs the Debian packages the tests need (when
# run as root), builds the solution once, runs every test project with TRX results, and prints
# "N passed, N failed" (", N skipped" when non-zero) computed from the TRX files.
# Exit status: non-zero when any test failed, a test host crashed, or nothing ran.
#
#   ./test.sh                 the whole suite (what CI runs): Unit, Integration and Fault tiers, then Load alone
#   ./test.sh --quick         the unit tier only (trait Category=Unit: no RabbitMQ, Kafka, Prometheus or
#                             browser; installs nothing), same closing line; about 2 minutes with the build
#   ./test.sh --filter EXPR   one dotnet test run over the solution with that filter (other arguments likewise)
set -uo pipefail
cd "$(dirname "$0")"

quick=0
if [ "${1:-}" = "--quick" ]; then
  quick=1
  shift
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the tests start or call: package name -> a program it installs.
# chromium: the live view is tested in a real headless browser (PuppeteerSharp drives this one; nothing is downloaded).
declare -A needed=([prometheus]=promtool [rabbitmq-server]=rabbitmq-server [chromium]=chromium)
missing=()
[ $quick = 1 ] && needed=()
for pkg in "${!needed[@]}"; do
  command -v "${needed[$pkg]}" >/dev/null 2>&1 || [ -x "/usr/sbin/${needed[$pkg]}" ] || missing+=("$pkg")
done
# Debian's librdkafka (older than the one Confluent.Kafka ships): the suite runs with it first on the
# library path (below), as on a machine with librdkafka-dev installed.
system_rdkafka=$(ls /usr/lib/*-linux-gnu/librdkafka.so.1 2>/dev/null | head -n 1)
if [ $quick = 0 ]; then
  [ -n "$system_rdkafka" ] || missing+=(librdkafka1)
  # Node.js and npm run the dashboards' check against Grafana's published schema (tsc).
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "test.sh: installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    # The Debian packages would start their services; the tests start private instances instead.
    policy=/usr/sbin/policy-rc.d; created_policy=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    status=$?
    [ $created_policy = 1 ] && rm -f "$policy"
    [ $status = 0 ] || { echo "test.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
  else
    echo "test.sh: missing ${missing[*]}; the tests that need them will fail with an install hint." >&2
    echo "test.sh: run 'sudo apt-get install -y ${missing[*]}' or run ./test.sh as root." >&2
  fi
fi

# Grafana's dashboard types and the TypeScript compiler, as pinned in dashboards/schema/package-lock.json.
if [ $quick = 0 ] && command -v npm >/dev/null 2>&1; then
  (cd dashboards/schema && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || echo "test.sh: npm ci in dashboards/schema failed; the dashboard schema test will fail with a hint" >&2
fi

# A foreign librdkafka.so first on the library path for the whole suite: the exporter, the adapters and
# the Kafka fixture must still load the librdkafka that Confluent.Kafka ships (KafkaNativeLibrary).
system_rdkafka=$(ls /usr/lib/*-linux-gnu/librdkafka.so.1 2>/dev/null | head -n 1)
if [ -n "$system_rdkafka" ]; then
  foreign_dir=$(mktemp -d)
  ln -s "$system_rdkafka" "$foreign_dir/librdkafka.so"
  export LD_LIBRARY_PATH="$foreign_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export KEM_SYSTEM_LIBRDKAFKA="$system_rdkafka"
  trap 'rm -rf "$foreign_dir"' EXIT
  echo "test.sh: running with $system_rdkafka first on the library path (as librdkafka.so)"
fi

results=TestResults
rm -rf "$results"
mkdir -p "$results"

dotnet build KnativeEventingMetrics.slnx -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; echo "test.sh: build failed" >&2; exit 1; }

run_tests() {
  dotnet test "$1" -c Release --no-build -nologo \
    --logger "trx" --results-directory "$results" \
    --blame-hang-timeout 10m "${@:2}"
}
if [ $quick = 1 ]; then
  run_tests KnativeEventingMetrics.slnx --filter "Category=Unit" "$@"
  test_status=$?
elif [ $# -gt 0 ]; then
  # Arguments (e.g. --filter) go to one run over the whole solution.
  run_tests KnativeEventingMetrics.slnx "$@"
  test_status=$?
else
  # Load tests (trait Category=Load) measure rates and latencies, so they run after the rest of the
  # suite, alone on the machine. KEM_LOAD_SECONDS sets their length (default 60).
  run_tests KnativeEventingMetrics.slnx --filter "Category!=Load"
  test_status=$?
  run_tests tests/Exporter.Tests/Knative.Eventing.Metrics.Exporter.Tests.csproj --filter "Category=Load"
  load_status=$?
  [ $test_status = 0 ] && test_status=$load_status
fi

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done

if [ $files = 0 ] || [ $((passed + failed)) = 0 ]; then
  echo "test.sh: no test results were written (test status $test_status)" >&2
  failed=$((failed + 1))
fi
if [ $test_status != 0 ] && [ $failed = 0 ]; then
  echo "test.sh: dotnet test exited with $test_status although no test failed (a test host crashed?)" >&2
  failed=1
fi

# The failed tests, each with the start of its message, last before the count: a CI log often shows only its tail.
if [ $failed -gt 0 ]; then
  echo "test.sh: failed tests:"
  for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    awk '
      /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
      want && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); printf "  %s\n    %s\n", name, substr($0, 1, 300); want = 0 }
    ' "$trx"
  done
fi

line="$passed passed, $failed failed"
[ $skipped -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ $failed = 0 ]
