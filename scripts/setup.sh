#!/usr/bin/env bash
# Prepares a Debian 12 machine to build Jalon and builds it in ./build.
# Idempotent: installs only the missing packages, then configures (or reconfigures) and builds.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

packages=(meson ninja-build pkg-config gcc g++ libicu-dev libpcre2-dev libstemmer-dev
          libcjson-dev libcriterion-dev valgrind libxapian-dev python3 python3-dev libmicrohttpd-dev wrk libxml2-dev)

missing=()
for p in "${packages[@]}"; do
  # Unknown and removed-but-configured packages both count as missing.
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: missing packages (${missing[*]}) and neither root nor sudo is available" >&2
    exit 1
  fi
  # Passed through env: sudo drops the caller's environment.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The ROME open data is read from where it lives (../shared/data by default), never copied.
if [[ -z "${JALON_ROME_DIR:-}" && ! -d "$root/../shared/data/rome_v460" ]]; then
  echo "setup: warning: ROME data not found at $root/../shared/data/rome_v460;" \
       "set JALON_ROME_DIR or pass -Drome_dir=… (the model cannot be built without it)" >&2
fi

# Meson version recorded in a configured build dir ("" when unknown).
configured_with() {
  python3 - "$1/meson-info/meson-info.json" <<'PY' 2>/dev/null || true
import json, sys
print(json.load(open(sys.argv[1]))["meson_version"]["full"])
PY
}

if [[ -f build/meson-private/coredata.dat ]]; then
  old=$(configured_with build)
  if [[ -n "$old" && "$old" != "$(meson --version)" ]]; then
    # A build dir written by another Meson cannot be reconfigured: start it afresh.
    echo "setup: build/ was configured by Meson $old; wiping it" >&2
    meson setup --wipe build
  else
    # A real error in meson.build fails here, loudly; it never wipes the build dir.
    meson setup --reconfigure build
  fi
else
  meson setup build
fi
ninja -C build
