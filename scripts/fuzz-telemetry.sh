#!/usr/bin/env bash
# Fuzzes the telemetry body parser (what POST /v1/telemetry and MQTT ingest read) with libFuzzer from the
# Swift toolchain:
#
#   scripts/fuzz-telemetry.sh [SECONDS]     default: 600 seconds
#
# Builds Fuzz/TelemetryFuzz with -sanitize=fuzzer,address (linked by lld) into .build-fuzz, seeds the corpus (kept in
# .build-fuzz/corpus-telemetry, so a later run goes on from it) with request bodies, and runs the campaign.
# A crash leaves its input as .build-fuzz/crash-telemetry-*; replay it with
#   swift build --product TelemetryFuzz && .build/debug/TelemetryFuzz <file>
# Exits non-zero if the campaign found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}

swift build -c release --scratch-path .build-fuzz --product TelemetryFuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >&2
binary=.build-fuzz/release/TelemetryFuzz

corpus=.build-fuzz/corpus-telemetry
mkdir -p "$corpus"
swift build --product TelemetryFuzz >/dev/null 2>&1 && .build/debug/TelemetryFuzz --seeds "$corpus" >/dev/null
echo "fuzzing the telemetry parser for $seconds s …" >&2
if "$binary" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=".build-fuzz/crash-telemetry-" -print_final_stats=1 2> .build-fuzz/telemetry.log; then
  echo "telemetry: no crash in $seconds s ($(grep -E 'stat::number_of_executed_units' .build-fuzz/telemetry.log | awk '{print $2}') runs)" >&2
else
  echo "telemetry: crashed; see .build-fuzz/telemetry.log and .build-fuzz/crash-telemetry-*" >&2
  exit 1
fi
