#!/usr/bin/env bash
# Installs what Sluice builds and tests against, when any is missing: the Debian packages it needs
# (BLAS/LAPACK, libmosquitto, the Mosquitto broker the MQTT tests start, and the PostgreSQL server the
# store and replica tests start in a temporary folder, with its pg_dump), sqlite3 and openssl (the runbook
# and TLS tests back up a store and make certificates), and the ones the browser test
# of the operator page uses (chromium, chromium-driver, and Selenium from PyPI).
# As root it installs them; otherwise it prints the one command to run, and fails only when a package the
# build needs is missing (without the browser packages, the browser test is skipped and says why).
set -euo pipefail

required=(libopenblas-dev liblapacke-dev pkg-config libmosquitto-dev mosquitto postgresql sqlite3 openssl)
browser=(chromium chromium-driver)

missing_of() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

mapfile -t missing < <(missing_of "${required[@]}")
mapfile -t missing_browser < <(missing_of "${browser[@]}")
needs_selenium=false
python3 -c "import selenium" 2>/dev/null || needs_selenium=true

if [ $((${#missing[@]} + ${#missing_browser[@]})) -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if [ ${#missing[@]} -gt 0 ]; then
      echo "Installing ${missing[*]} …" >&2
      apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if [ ${#missing_browser[@]} -gt 0 ]; then
      echo "Installing ${missing_browser[*]} for the browser test …" >&2
      apt-get install -y -qq "${missing_browser[@]}" >/dev/null \
        || echo "could not install ${missing_browser[*]}: the browser test will be skipped" >&2
    fi
  else
    echo "Sluice needs these Debian packages: ${missing[*]} ${missing_browser[*]}" >&2
    echo "Run: sudo apt-get update && sudo apt-get install -y ${missing[*]} ${missing_browser[*]}" >&2
    [ ${#missing[@]} -eq 0 ] || exit 1
    echo "(chromium and chromium-driver are for the browser test only; without them it is skipped)" >&2
  fi
fi

if $needs_selenium; then
  echo "Installing selenium from PyPI for the browser test …" >&2
  python3 -m pip install -q selenium >&2 || echo "could not install selenium: the browser test will be skipped" >&2
fi
