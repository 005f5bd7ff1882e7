#!/usr/bin/env bash
# Installs what the tests need (Debian packages) when missing. Idempotent and
# quiet when everything is present. Runs as root (CI and development machines).
set -euo pipefail

pkgs=(python3-stomp default-jdk-headless libactivemq-java activemq)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-deps: missing packages ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's activemq service must not hold our ports during tests.
if command -v systemctl >/dev/null 2>&1; then
  systemctl stop activemq >/dev/null 2>&1 || true
fi
echo "test-deps: ok"
