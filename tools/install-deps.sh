#!/usr/bin/env bash
# Installs the Debian 12 packages Orrery builds with, and nothing when they are all present.
# Quiet and quick on a machine that has everything: one dpkg-query, no network.
set -euo pipefail

packages=(
  g++ cmake ninja-build make pkg-config git ccache
  libboost-context-dev libboost-dev libfmt-dev libsqlite3-dev
  catch2 librapidcheck-dev libtomlplusplus-dev
  # nlohmann-json for JSON files (histories, replay files).
  nlohmann-json3-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libgraphviz-dev libcaf-dev openssl
  # libpq for the PostgreSQL store; the server (initdb, pg_ctl) for its tests and benchmark.
  libpq-dev postgresql
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
