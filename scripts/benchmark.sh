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
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
main=dev.imagegen.bench.Suite
case " $* " in
  *" --prompts "*|*" --workers "*) main=dev.imagegen.bench.Benchmark ;;
esac
if [ "${1:-}" = incremental ]; then main=dev.imagegen.bench.IncrementalBenchmark; shift; fi
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
java ${BENCH_JAVA_OPTS:--Xmx1g} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
    "$main" "$@" "${extra[@]}"
