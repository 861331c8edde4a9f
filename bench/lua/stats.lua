-- Shared by every wrk script of the harness (prepended by bench/wrkload.py).
-- Counts responses per status code in each thread (`statuses`, read back with thread:get in
-- done()), and prints one line "BENCH_JSON {...}" with the summary, socket errors, latency
-- percentiles (microseconds) and status counts.
statuses = {}
extra = {}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function count_status(status)
  statuses[status] = (statuses[status] or 0) + 1
end

local function encode(v)
  local t = type(v)
  if t == "table" then
    local parts = {}
    for k, x in pairs(v) do
      table.insert(parts, string.format("%q:%s", tostring(k), encode(x)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "number" then
    return string.format("%.17g", v)
  elseif t == "boolean" then
    return tostring(v)
  elseif v == nil then
    return "null"
  end
  return string.format("%q", tostring(v))
end

function done(summary, latency, requests)
  local merged, merged_extra = {}, {}
  for _, thread in ipairs(threads) do
    for k, n in pairs(thread:get("statuses") or {}) do
      merged[tostring(k)] = (merged[tostring(k)] or 0) + n
    end
    for k, n in pairs(thread:get("extra") or {}) do
      merged_extra[k] = (merged_extra[k] or 0) + n
    end
  end
  local out = {
    duration_us = summary.duration,
    requests = summary.requests,
    bytes = summary.bytes,
    errors = summary.errors,
    latency_us = {
      p50 = latency:percentile(50), p95 = latency:percentile(95),
      p99 = latency:percentile(99), max = latency.max, mean = latency.mean,
    },
    statuses = merged,
    extra = merged_extra,
  }
  io.write("BENCH_JSON " .. encode(out) .. "\n")
end
