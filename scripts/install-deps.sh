#!/usr/bin/env bash
# Installs the Debian packages Sluice builds and tests against (BLAS/LAPACK, libmosquitto and the
# Mosquitto broker the MQTT tests start), when any is missing.
# As root it installs them; otherwise it prints the one command to run and fails.
set -euo pipefail

packages=(libopenblas-dev liblapacke-dev pkg-config libmosquitto-dev mosquitto)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Sluice needs these Debian packages: ${missing[*]}" >&2
  echo "Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing ${missing[*]} …" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
