-- wrk script for scripts/load-test.sh: POSTs the requests of a JSON-lines file to
-- /v1/diagnose in turn (each wrk thread starts at its own line), counts the answers
-- that are not 200, and prints the figures on stdout as key=value lines.
local bodies = {}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("LOAD_BODIES")
  for line in io.lines(path) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  if #bodies == 0 then error("no request in " .. path) end
  i = (id or 1) * 37 % #bodies
  bad = 0
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/diagnose", { ["Content-Type"] = "application/json" }, bodies[i])
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not200 = 0
  for _, t in ipairs(threads) do not200 = not200 + (t:get("bad") or 0) end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format("requests=%d\n", summary.requests))
  io.write(string.format("seconds=%.1f\n", secs))
  io.write(string.format("throughput_rps=%.0f\n", summary.requests / secs))
  io.write(string.format("latency_mean_ms=%.3f\n", latency.mean / 1000))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency_p%s_ms=%.3f\n", tostring(p), latency:percentile(p) / 1000))
  end
  io.write(string.format("latency_max_ms=%.3f\n", latency.max / 1000))
  io.write(string.format("socket_errors=%d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("non_200=%d\n", not200))
end
