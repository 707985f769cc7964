#!/usr/bin/env bash
# Checks the run report in a real browser: makes a 200-image run report, opens report.html from the file system in
# headless Chromium, takes a screenshot, and checks from the rendered DOM that the gallery and the failure table are
# there, that paging loads page 2 from gallery/p00002.js, and that the page's figures equal summary.json.
#
#   scripts/check-report-in-chromium.sh [--dry-run] [--keep]
#
# Default: the 200 PartiPrompts plus 5 prompts that fail (moderation, bad request, no image, provider down) against
# the fake OpenRouter server from the tests, run locally at zero cost, so the failure table has rows.
# --dry-run: the same 200 prompts with the placeholder model instead (no failures, so the failure table says so).
# --keep: keep the work directory (printed at the end); the screenshot is always copied to target/report-chromium.png.
#
# Needs: java 17, maven, python3, and Chromium: apt-get update && apt-get install -y chromium
# Exit codes: 0 all checks passed, 1 a check failed, 2 a tool is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dry_run=false; keep=false
for a in "$@"; do
  case "$a" in
    --dry-run) dry_run=true ;;
    --keep) keep=true ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done
chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$chromium_bin" ]; then
  echo "check-report: chromium not found; install it with: apt-get update && apt-get install -y chromium" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "check-report: python3 not found" >&2; exit 2; }

work="$(mktemp -d /tmp/imagegen-chromium.XXXXXX)"
server_pid=""
cleanup() {
  # Closing the server's stdin ends it; the kill is for a server that does not listen.
  if [ -n "$server_pid" ]; then exec 3>&- || true; kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true; fi
  if [ "$keep" = false ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

echo "check-report: building the jar and the test classes ..." >&2
(cd "$here" && mvn -q -B -Dstyle.color=never -DskipTests package \
   && mvn -q -B -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.includeScope=test \
        -Dmdep.outputFile="$work/classpath.txt") >&2

cp "$here/src/test/resources/parti/PartiPrompts-200.tsv" "$work/prompts.tsv"
model="{ provider: placeholder, seed: 1 }"
run_args=(--dry-run)
if [ "$dry_run" = false ]; then
  printf '%s\tTest\tFailure\t\n' "[moderation] a violent scene" "[moderation] another violent scene" \
    "[bad-request] a square circle" "[no-image] a description only" "[down] an unlucky prompt" >> "$work/prompts.tsv"
  # The fake server runs until its stdin closes: a FIFO this script holds open on fd 3 until cleanup.
  mkfifo "$work/server-stdin"
  java -cp "$here/target/test-classes:$(cat "$work/classpath.txt")" dev.imagegen.testing.FakeOpenRouterMain \
    "$work/server-url" < "$work/server-stdin" > "$work/server.log" 2>&1 &
  server_pid=$!
  exec 3>"$work/server-stdin"
  for _ in $(seq 1 100); do [ -s "$work/server-url" ] && break; sleep 0.2; done
  [ -s "$work/server-url" ] || { echo "check-report: the fake server did not start" >&2; exit 1; }
  model="{ base-url: $(cat "$work/server-url"), api-key: fake-key, seed: 1, timeout: 20s }"
  run_args=()
fi
cat > "$work/job.yml" <<YAML
dataset: chromium-check
source: { csv: prompts.tsv, prompt-column: Prompt }
model: $model
run: { concurrency: 4, chunk-size: 4, retry: { max-attempts: 2, initial-delay: 10ms, max-delay: 50ms } }
output: { dir: out }
YAML

echo "check-report: running the job (embedded PostgreSQL under $work/.imagegen) ..." >&2
IMAGEGEN_HOME="$work/.imagegen" java -jar "$here/target/imagegen.jar" run "$work/job.yml" --run-id chromium-check \
  --progress log "${run_args[@]}" >&2
report="$work/out/reports/chromium-check/report.html"
[ -f "$report" ] || { echo "check-report: no report at $report" >&2; exit 1; }

browse() {
  "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$work/chromium-profile.XXXXXX")" --virtual-time-budget=10000 "$@" 2>/dev/null
}
echo "check-report: screenshot and DOM from headless Chromium ..." >&2
browse --window-size=1400,2600 --screenshot="$work/report.png" "file://$report" >/dev/null
browse --dump-dom "file://$report" > "$work/page1.html"
browse --dump-dom "file://$report#page=2" > "$work/page2.html"
mkdir -p "$here/target" && cp "$work/report.png" "$here/target/report-chromium.png"

status=0
python3 - "$work" "$dry_run" <<'PY' || status=$?
import json, re, sys
work, dry_run = sys.argv[1], sys.argv[2] == "true"
summary = json.load(open(f"{work}/out/reports/chromium-check/summary.json"))
page1 = open(f"{work}/page1.html", encoding="utf-8").read()
page2 = open(f"{work}/page2.html", encoding="utf-8").read()
problems = []
def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        problems.append(what)
metrics = {m.group(1): (m.group(2), m.group(3)) for m in
           re.finditer(r'data-metric="([^"]+)"(?: data-value="([^"]+)")?>([^<]*)<', page1)}
c = summary["counts"]
check(c["images"] == 200, f"200 images in summary.json (got {c['images']})")
check(metrics["images"][1] == str(c["images"]), "page shows the images of summary.json")
check(metrics["failedCalls"][1] == str(c["failedCalls"]), "page shows the failed calls of summary.json")
check(metrics["gallery.images"][1] == str(summary["gallery"]["images"]), "gallery count equals summary.json")
check(abs(float(metrics["costTotalUsd"][0]) - float(summary["cost"]["totalUsd"])) < 1e-12,
      "page shows the cost of summary.json")
check('id="failure-table"' in page1, "failure table rendered")
for kind in summary["failures"]:
    check(f'data-metric="failures.{kind["kind"]}">{kind["count"]}<' in page1,
          f'failure table row {kind["kind"]} = {kind["count"]}')
if not dry_run:
    check(len(summary["failures"]) >= 3, "failures of several kinds")
    check("Input was flagged by moderation" in page1, "provider message shown")
tiles1 = page1.count('<figure class="tile">')
check(tiles1 == 100, f"page 1 of the gallery shows 100 tiles (got {tiles1})")
check(page1.count('loading="lazy"') >= 100, "thumbnails are lazy-loaded")
check('data-page="2"' in page2 and page2.count('<figure class="tile">') == 100,
      "page 2 loaded from gallery/p00002.js by the pager")
first1 = re.search(r'<figcaption[^>]*>([^<]*)<', page1).group(1)
first2 = re.search(r'<figcaption[^>]*>([^<]*)<', page2).group(1)
check(first1 != first2, "page 2 shows other images than page 1")
sys.exit(1 if problems else 0)
PY
echo "check-report: screenshot: $here/target/report-chromium.png" >&2
if [ "$keep" = true ]; then echo "check-report: work directory kept: $work" >&2; fi
exit $status
