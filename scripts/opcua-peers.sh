#!/usr/bin/env bash
# The Python OPC UA peers of Sluice's OPC UA client tests and benches: a private virtual environment at
# <repo>/.build/opcua-peers with asyncua (pure Python client and server) and o6 (open62541 in a wheel)
# from PyPI, used by scripts/opcua_test_server.py and scripts/o6_test_server.py.
#
#   scripts/opcua-peers.sh     creates the environment if needed; prints its python's absolute path last
#
# A second call finds the marker file and only prints the path. On failure it says why on stderr, exits 1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.build/opcua-peers"
python="$venv/bin/python"
marker="$venv/.sluice-peers-ready"
# Pinned: the peers' documented behaviour (policies, status codes, limits) is that of these releases.
packages=(asyncua==2.1.0 o6==2.2.0)

fail() { echo "opcua-peers: $*" >&2; exit 1; }

if [ -f "$marker" ] && [ -x "$python" ]; then
  echo "$python"
  exit 0
fi

command -v python3 >/dev/null || fail "python3 is not installed (apt-get install python3 python3-venv)"
if [ ! -x "$python" ]; then
  mkdir -p "$root/.build"
  python3 -m venv "$venv" >&2 || fail "could not create a venv at $venv (apt-get install python3-venv)"
fi

if ! "$python" -c "import asyncua, o6" >/dev/null 2>&1; then
  echo "opcua-peers: installing ${packages[*]} into $venv …" >&2
  "$python" -m pip install --quiet --disable-pip-version-check "${packages[@]}" >&2 \
    || fail "pip could not install ${packages[*]} from PyPI into $venv"
  "$python" -c "import asyncua, o6" >/dev/null 2>&1 || fail "${packages[*]} installed but do not import in $venv"
fi

touch "$marker"
echo "$python"
