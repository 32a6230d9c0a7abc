-- wrk script: POST pre-signed WeChat callbacks, each one once (distinct MsgIds).
-- wrk -s bench/load.lua URL -- <requests file> <threads>; prints one JSON line at the end.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests, step, index = {}, tonumber(args[2]), id + 1
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1),
                                         {["Content-Type"] = "text/xml"}, line:sub(tab + 1))
  end
  ok, other, wrapped = 0, 0, 0
end

function request()
  if index > #requests then index, wrapped = id + 1, wrapped + 1 end
  local r = requests[index]
  index = index + step
  return r
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local ok_total, other_total, wrapped_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    other_total = other_total + thread:get("other")
    wrapped_total = wrapped_total + thread:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "ok": %d, "non_200": %d, "wrapped": %d, ' ..
    '"errors": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, ok_total, other_total, wrapped_total,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
