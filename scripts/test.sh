#!/usr/bin/env bash
# Builds Jalon (scripts/setup.sh) and runs the whole test suite; exits with meson test's status.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
exec meson test -C build --print-errorlogs
