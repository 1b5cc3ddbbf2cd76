#!/usr/bin/env bash
# CI stage for the HTTP server: the end-to-end server test, a short load test on
# loopback, and the browser test when Chromium and playwright-core are installed.
#   bash scripts/ci-server.sh            (after the normal build: scripts/setup.sh)
# Environment: JALON_SERVE to test another server program; CI_SERVER_LOAD_SECONDS
# (default 10; 0 skips the load test); CI_BROWSER=0 skips the browser test,
# CI_BROWSER=1 makes a missing Chromium/playwright-core an error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
start=$SECONDS
stage() { echo "::: $* (at $((SECONDS - start)) s)"; }

[[ -f build/build.ninja ]] || bash scripts/setup.sh
ninja -C build
export JALON_MODEL="$root/build/models/jalon-rome.model"
export JALON_SOURCE_ROOT="$root"

if [[ -n "${JALON_SERVE:-}" ]]; then
  serve=$JALON_SERVE
elif build/tools/jalon serve --help >/dev/null 2>&1; then
  serve=build/tools/jalon
elif [[ -x build/tools/server/jalon-serve ]]; then
  serve=build/tools/server/jalon-serve
else
  echo "ci-server: no server was built: is libmicrohttpd-dev installed and tools/server wired in?" >&2
  exit 1
fi

stage "server test ($serve)"
python3 tests/test_server.py "$serve"

secs=${CI_SERVER_LOAD_SECONDS:-10}
if ((secs > 0)); then
  stage "load test (${secs} s, figures only: CI machines vary)"
  JALON_SERVE=$serve bash scripts/load-test.sh "$secs"
fi

if [[ "${CI_BROWSER:-auto}" != 0 ]]; then
  if [[ -x /usr/bin/chromium && -f scripts/ci-browser.sh ]]; then
    stage "browser test"
    JALON_SERVE=$serve bash scripts/ci-browser.sh
  elif [[ "${CI_BROWSER:-auto}" == 1 ]]; then
    echo "ci-server: browser test asked for (CI_BROWSER=1) but chromium or scripts/ci-browser.sh is missing" >&2
    exit 1
  else
    echo "ci-server: no /usr/bin/chromium: browser test skipped" >&2
  fi
fi
stage "server CI passed"
