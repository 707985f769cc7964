#!/usr/bin/env bash
# Benchmarks (not part of `mvn verify`; they print figures and assert nothing).
#
# The suite of issue 15: the job and the hand-written baseline (../shared/bench/peer, the official openai npm
# client, installed with `npm install` into a temporary copy) against the same local OpenRouter-shaped server in the
# same run, every regime, one table with both figures and their ratio:
#   scripts/benchmark.sh                                   # everything (about 20 minutes on 2 cores)
#   scripts/benchmark.sh --only latency,overhead           # latency | overhead | durability | startup | report | memory | staging
#   scripts/benchmark.sh --quick                           # smaller sizes, for a first look
#
# One case of the job alone, in this JVM on a test database (synchronous_commit off), with more knobs:
#   scripts/benchmark.sh --prompts 1000 --concurrency 32 --latency 200-2000 --image-kib 256   # latency-bound
#   scripts/benchmark.sh --prompts 3000 --concurrency 8 --latency 0 --image-kib 256           # overhead-bound
#   scripts/benchmark.sh --prompts 360 --concurrency 8 --latency 100-300 --image-kib 64 --rpm 120 --server-rpm 120
#   scripts/benchmark.sh incremental --prompts 100000     # a nightly run when every prompt already has its image
#   scripts/benchmark.sh --workers 1,2,3 --prompts 720 --concurrency 8 --latency 1000 --image-kib 64  # remote mode
#
# The feature benchmarks, each in this JVM on a test database (BENCH_JAVA_OPTS replaces the heap given here):
#   scripts/benchmark.sh report-scale 50000          # report and exports of N images, -Xmx256m (docs/reports-and-exports.md)
#   scripts/benchmark.sh jdbc-staging 100000 1000000 # staging N rows from a PostgreSQL table, -Xmx256m (docs/sources-and-scheduling.md)
#   scripts/benchmark.sh batch 10000                 # openai-batch collect of N 1 MiB images in a child JVM (docs/providers.md)
#
# Every benchmark is a class in src/test/java/dev/imagegen/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
main=dev.imagegen.bench.Suite
java_opts="${BENCH_JAVA_OPTS:--Xmx1g}"
case " $* " in
  *" --prompts "*|*" --workers "*) main=dev.imagegen.bench.Benchmark ;;
esac
case "${1:-}" in
  incremental) main=dev.imagegen.bench.IncrementalBenchmark; shift ;;
  report-scale) main=dev.imagegen.bench.ReportBenchmark; shift
    java_opts="${BENCH_JAVA_OPTS:--Xmx256m} -Djava.awt.headless=true" ;;
  jdbc-staging) main=dev.imagegen.bench.StagingBenchmark; shift; java_opts="${BENCH_JAVA_OPTS:--Xmx256m}" ;;
  # BENCH_JAVA_OPTS is the child's here (BatchBenchmark passes it on)
  batch) main=dev.imagegen.bench.BatchBenchmark; shift; java_opts=-Xmx1g ;;
esac
extra=()
if [ "$main" = dev.imagegen.bench.Suite ]; then
  # First: the launcher's build is `mvn clean package`
  ./imagegen --version >/dev/null            # builds the jar (and its class-data archive) if needed
  peer="$(mktemp -d)"
  trap 'rm -rf "$peer"' EXIT
  cp -r ../shared/bench/peer/. "$peer/"
  (cd "$peer" && npm install --no-audit --no-fund --silent >/dev/null)
  extra=(--peer "$peer" --launcher "$root/imagegen")
  echo "bench: $(uptime)" >&2
fi
mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
    -Dmdep.includeScope=test >/dev/null
java $java_opts -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
    "$main" "$@" "${extra[@]}"
