#!/usr/bin/env bash
# Builds the Node binding against a Meson build of libjalon and, with --test,
# runs its tests. `meson test node` calls it with --test; CI may call it too.
#
#   bash bindings/node/build.sh [--test] [--source-root DIR] [--build-root DIR]
#
# Defaults: the tree this script is in, and its build/ directory.
#  1. node-addon-api comes from the npm registry (`npm ci`, pinned by
#     package-lock.json) into bindings/node/node_modules, once: the only step
#     that needs the network. scripts/setup.sh can run this script once so that
#     tests later run offline.
#  2. node-gyp (npm's own copy unless one is on PATH) compiles src/addon.cc
#     against the headers of the Node that runs it (--nodedir: the prefix
#     holding include/node/node_api.h); it never downloads headers. The
#     addon is built under <build-root>/bindings/node/, so build, build-asan,
#     ... each get one linked to their own libjalon.so.
#  3. --test runs test/*.test.js with node's built-in runner, on that addon.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=""
run_tests=0
while (($#)); do
  case "$1" in
    --test) run_tests=1 ;;
    --source-root) src=$2; shift ;;
    --build-root) build=$2; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
build=${build:-$src/build}
say() { echo "node binding: $*" >&2; }

if [[ ! -e "$build/lib/libjalon.so" ]]; then
  say "$build/lib/libjalon.so is missing: build the library first (ninja -C $build)"
  exit 1
fi

# 1. node-addon-api, once.
if [[ ! -f "$here/node_modules/node-addon-api/package.json" ]]; then
  say "installing node-addon-api from the npm registry"
  if [[ -f "$here/package-lock.json" ]]; then
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund)
  else
    (cd "$here" && npm install --ignore-scripts --no-audit --no-fund)
  fi
fi

# 2. node-gyp and the Node headers of this machine.
if command -v node-gyp >/dev/null 2>&1; then
  gyp=(node-gyp)
else
  gyp_js="$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js"
  if [[ ! -f "$gyp_js" ]]; then
    say "node-gyp not found (neither on PATH nor bundled with npm at $gyp_js)"
    exit 1
  fi
  gyp=(node "$gyp_js")
fi
nodedir=${JALON_NODEDIR:-$(node -p "require('path').resolve(process.execPath, '..', '..')")}
if [[ ! -f "$nodedir/include/node/node_api.h" ]]; then
  say "no Node headers in $nodedir/include/node; set JALON_NODEDIR to the prefix that has them"
  exit 1
fi

work="$build/bindings/node"
mkdir -p "$work/src" "$work/scripts"
# -p keeps the times, so make rebuilds only what changed.
cp -p "$here/binding.gyp" "$work/"
cp -p "$here/src/"* "$work/src/"
cp -p "$here/scripts/jalon-flags.js" "$work/scripts/"
# node-addon-api is headers only: a copy (not a link, which gyp would resolve
# to paths outside the work dir) keeps every build product under it.
rm -rf "$work/node_modules"
cp -rp "$here/node_modules" "$work/node_modules"
export JALON_SOURCE_ROOT="$src" JALON_BUILD_ROOT="$build"  # read by scripts/jalon-flags.js
cd "$work"
if [[ ! -f build/Makefile || binding.gyp -nt build/Makefile ]]; then
  "${gyp[@]}" configure --nodedir="$nodedir" --loglevel=warn
fi
"${gyp[@]}" build --nodedir="$nodedir" --loglevel=warn --jobs=2
addon="$work/build/Release/jalon.node"
say "built $addon"

# 3. Tests.
if ((run_tests)); then
  export JALON_NODE_ADDON="$addon"
  export JALON_MODEL="${JALON_MODEL:-$build/models/jalon-rome.model}"
  export JALON_CLI="${JALON_CLI:-$build/tools/jalon}"
  export JALON_SOURCE_ROOT="$src"
  cd "$here"
  exec node --test test/*.test.js
fi
