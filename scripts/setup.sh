#!/usr/bin/env bash
# Fresh Debian 12: install what is needed, build, and replay the bundled example.
# Needs root (or sudo) for apt-get; needs no network beyond Debian's and npm's registries.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
PACKAGES=(g++ cmake make pkg-config nlohmann-json3-dev libyaml-cpp-dev libcurl4-openssl-dev
          libspdlog-dev libcli11-dev libboost1.81-dev libgtest-dev libgmock-dev
          libbenchmark-dev chromium)
# Node.js may come from elsewhere on the machine (its own npm); only install Debian's if absent.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Browser tests drive Debian's chromium through playwright-core (no browser download).
if [ -f tests/browser/package.json ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

# The main job on the bundled example: replay a tea session with the simulated model.
build/pro2assist replay examples/tea-session --task examples/tea.yaml --vlm sim \
  --out build/tea-decisions.jsonl
