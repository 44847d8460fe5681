#!/usr/bin/env bash
# Builds (if needed) and runs every test: unit, integration against loopback model servers
# (scripts/independent-sim.mjs among them), dataset tests on ../shared, and the browser test of
# the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo; fi
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 900
