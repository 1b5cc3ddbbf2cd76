# Sourced by ci-browser.sh and load-test.sh: which `jalon serve` to run and how to
# start it on a free loopback port. Not a script of its own.

# Sets the array `serve` to the server command: $JALON_SERVE, else BUILD/tools/jalon
# serve, else BUILD/tools/server/jalon-serve. $1: build folder, $2: name for messages.
jalon_find_server() {
  local build=$1 name=$2
  serve=()
  if [[ -n "${JALON_SERVE:-}" ]]; then
    serve=("$JALON_SERVE")
  elif [[ -x $build/tools/jalon ]] && "$build/tools/jalon" serve --help >/dev/null 2>&1; then
    serve=("$build/tools/jalon" serve)
  elif [[ -x $build/tools/server/jalon-serve ]]; then
    serve=("$build/tools/server/jalon-serve")
  else
    echo "$name: no server built ($build/tools/jalon serve or $build/tools/server/jalon-serve)" >&2
    exit 1
  fi
  # JALON_SERVE may name the jalon tool itself: it needs the verb.
  if [[ "$(basename "${serve[0]}")" == jalon ]] && [[ ${#serve[@]} -eq 1 ]]; then serve+=(serve); fi
}

# Starts "${serve[@]}" --port 0 ARGS... in the background, its stderr in LOG, and
# waits for the port it prints. Sets `pid` and `port`; exits when it does not start.
# $1: name for messages, $2: log file, then the server's arguments.
jalon_start_server() {
  local name=$1 log=$2
  shift 2
  "${serve[@]}" --port 0 "$@" 2>"$log" &
  pid=$!
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log")
    [[ -n "$port" ]] && return 0
    sleep 0.1
  done
  echo "$name: the server did not start" >&2
  cat "$log" >&2
  exit 1
}
