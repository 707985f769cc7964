#!/usr/bin/env bash
# Benchmark of the run report and the exports at scale: prints figures, asserts nothing.
#   scripts/bench-report.sh [IMAGES] [HEAP]      e.g. scripts/bench-report.sh 50000 256m
# Makes a 200-image dry run on a throw-away embedded PostgreSQL, copies its rows up to IMAGES images (each copy
# with its own id and hash, so each gets its own thumbnail), then times `imagegen report` (first with every
# thumbnail to make, then again) and the three exports, all in one JVM with -Xmx HEAP to show memory stays flat.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
images="${1:-50000}"; heap="${2:-256m}"
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
(cd "$here" && mvn -q -B -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.includeScope=test \
   -Dmdep.outputFile="$cp_file") >&2
exec java -Xmx"$heap" -Djava.awt.headless=true -cp "$here/target/test-classes:$here/target/classes:$(cat "$cp_file")" \
  dev.imagegen.testing.ReportBenchmark "$images" 2>/dev/null
