#!/usr/bin/env bash
# Fuzzes the HTTP API against its OpenAPI document with Schemathesis.
#
#   scripts/fuzz-api.sh [path/to/sluice] [extra schemathesis options...]
#
# Starts `sluice serve` on a free port with a fresh store in a temporary folder (the cells, gates and
# models are the repository's), creates an admin token and an edge token, and runs Schemathesis with
# each: every operation with the edge token, then every operation with the admin token. The admin run
# leaves out DELETE /v1/tokens/{id}, which would revoke the tokens it finds (its own among them); that
# operation gets a run of its own at the end. Any server error, status code not in the document, response
# that does not match its schema, or crash of the server makes the script exit non-zero.
#
# Two of Schemathesis's checks are left out: `unsupported_method` (a method no route has, such as TRACE, is
# answered 404 by the router rather than 405) and `positive_data_acceptance` (values the document allows but
# the server refuses with a documented 4xx and a message, such as a limit beyond 64 bits, or a time range
# whose start is after its end).
#
# FUZZ_EXAMPLES sets the examples per operation (default 100; the whole run then takes about two minutes).
# Extra options go to every Schemathesis run, for example `--seed 1` or `--exclude-checks ...`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
sluice="${1:-$root/.build/debug/sluice}"
shift || true
extra=("$@")
examples="${FUZZ_EXAMPLES:-100}"

[[ -x "$sluice" ]] || { echo "no sluice binary at $sluice (build it with: swift build)" >&2; exit 2; }

# Schemathesis comes from PyPI; install it when it is missing.
python3 -c 'import schemathesis' 2>/dev/null || python3 -m pip install --quiet 'schemathesis==4.32.5'
schemathesis() { python3 -c 'import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis(prog_name="schemathesis"))' "$@"; }

work="$(mktemp -d)"
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

folders=(--store "$work/sluice.sqlite" --cells "$root/Cells" --gates "$root/Gates" --models "$root/Models")
admin="$("$sluice" tokens create "${folders[@]}" --role admin --name fuzz-admin --quiet)"
edge="$("$sluice" tokens create "${folders[@]}" --role edge --name fuzz-edge --quiet)"

# Port 0 lets the server pick a free port; it prints "sluice serving http://127.0.0.1:PORT ..." once bound.
"$sluice" serve "${folders[@]}" --port 0 >"$work/serve.out" 2>"$work/serve.log" &
server=$!
base=""
for _ in $(seq 100); do
  base="$(grep -o 'http://[^ ]*' "$work/serve.out" 2>/dev/null | head -n 1 || true)"
  [[ -n "$base" ]] && curl -sf "$base/health" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { echo "sluice serve stopped:" >&2; cat "$work/serve.log" >&2; exit 1; }
  base=""
  sleep 0.2
done
[[ -n "$base" ]] || { echo "sluice serve did not answer /health" >&2; exit 1; }
echo "sluice serving at $base"

# One Schemathesis run; its failures are counted, not fatal, so every run gets its turn.
failed=0
run() {
  local who="$1" token="$2"
  shift 2
  echo "== Schemathesis with the $who token $*"
  # Run from the temporary folder, so Schemathesis's and Hypothesis's caches go away with it.
  (cd "$work" && schemathesis run "$base/openapi.yaml" -H "Authorization: Bearer $token" --checks all \
    --exclude-checks unsupported_method,positive_data_acceptance \
    --max-examples "$examples" --workers 2 --request-timeout 10 "$@" "${extra[@]}") || failed=1
}

run edge "$edge"
run admin "$admin" --exclude-method DELETE
run admin "$admin" --include-method DELETE

# A server that died or hit a fatal error during the runs is a failure too.
if ! kill -0 "$server" 2>/dev/null || grep -q 'Fatal error' "$work/serve.log"; then
  echo "sluice serve crashed during the runs:" >&2
  grep -m 1 -A 30 'Fatal error' "$work/serve.log" >&2 || tail -n 40 "$work/serve.log" >&2
  failed=1
fi

if [[ "$failed" -ne 0 ]]; then
  echo "fuzzing found failures (see above)" >&2
  exit 1
fi
echo "fuzzing found no failures"
