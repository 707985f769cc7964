#!/usr/bin/env bash
# Throughput benchmark (not part of `mvn verify`): the real job, embedded PostgreSQL, fsynced files, against a
# local model server with a chosen latency and image size. Examples (the README's table was made with these):
#   scripts/benchmark.sh --prompts 1000 --concurrency 32 --latency 200-2000 --image-kib 256   # latency-bound
#   scripts/benchmark.sh --prompts 3000 --concurrency 8 --latency 0 --image-kib 256           # overhead-bound
#   BENCH_JAVA_OPTS=-Xmx512m scripts/benchmark.sh --prompts 10000 --concurrency 32 --latency 0 --image-kib 1024
#   scripts/benchmark.sh --prompts 360 --concurrency 8 --latency 100-300 --image-kib 64 --rpm 120 --server-rpm 120
#   scripts/benchmark.sh incremental --prompts 100000     # a nightly run when every prompt already has its image
#   scripts/benchmark.sh --workers 1,2,3 --prompts 720 --concurrency 8 --latency 1000 --image-kib 64  # remote mode
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath \
    -Dmdep.includeScope=test >/dev/null
main=dev.imagegen.bench.Benchmark
if [ "${1:-}" = incremental ]; then main=dev.imagegen.bench.IncrementalBenchmark; shift; fi
exec java ${BENCH_JAVA_OPTS:--Xmx1g} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
    "$main" "$@"
