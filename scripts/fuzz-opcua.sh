#!/usr/bin/env bash
# Fuzzes the OPC UA client's decoders with libFuzzer (from the Swift toolchain), one campaign per target:
#   chunks    the byte stream a server sends: framing, message and chunk headers, reassembly, then the bodies
#   messages  response bodies alone: every response type, and the data changes of Publish responses
#
#   scripts/fuzz-opcua.sh [SECONDS] [TARGET…]     default: 600 seconds each, both targets
#
# Builds Fuzz/OPCUAFuzzInbound with -sanitize=fuzzer,address (linked by lld) into .build-fuzz, seeds each corpus (kept in
# .build-fuzz/corpus-<target>, so a later run goes on from it) with valid messages, and runs the campaign.
# A crash leaves its input as .build-fuzz/crash-<target>-*; replay it with
#   swift build --product OPCUAFuzzInbound && SLUICE_FUZZ=<target> .build/debug/OPCUAFuzzInbound <file>
# Exits non-zero if any campaign found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(chunks messages)

swift build -c release --scratch-path .build-fuzz --product OPCUAFuzzInbound \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld >&2
binary=.build-fuzz/release/OPCUAFuzzInbound

status=0
for target in "${targets[@]}"; do
  corpus=.build-fuzz/corpus-$target
  mkdir -p "$corpus"
  seeds=$(mktemp -d)
  swift build --product OPCUAFuzzInbound >/dev/null 2>&1 && .build/debug/OPCUAFuzzInbound --seeds "$seeds" >/dev/null
  if [ "$target" = messages ]; then cp "$seeds/publish-body" "$corpus/"; else cp "$seeds"/ack "$seeds"/publish "$seeds"/error "$corpus/"; fi
  rm -rf "$seeds"
  echo "fuzzing '$target' for $seconds s …" >&2
  if SLUICE_FUZZ=$target "$binary" "$corpus" -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix=".build-fuzz/crash-$target-" -print_final_stats=1 2> ".build-fuzz/$target.log"; then
    echo "$target: no crash in $seconds s ($(grep -E 'stat::number_of_executed_units' ".build-fuzz/$target.log" | awk '{print $2}') runs)" >&2
  else
    status=1
    echo "$target: crashed; see .build-fuzz/$target.log and .build-fuzz/crash-$target-*" >&2
  fi
done
exit $status
