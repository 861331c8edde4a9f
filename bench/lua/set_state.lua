-- PENDING -> RUNNING -> COMPLETED on prepared runs: args = IDS_FILE API_PREFIX.
-- A run's COMPLETED is sent only after its RUNNING response came back (the flow_run_id is read
-- from the response's state_details), so the two calls of a run never race. When the ids run
-- out and no real request is in flight the thread stops and extra.active_us holds the time
-- until then; the few filler requests (GET /health, answered `true`) sent meanwhile are counted
-- in extra.filler, not in the status counts.
local ids, next_id, ready = {}, 1, {}
local running = {}
local real_inflight = 0
local verified = false
local first_us

-- wrk reports the full -d duration even when a thread stops early, so time the active part here
-- (LuaJIT ffi clock_gettime(CLOCK_MONOTONIC); whole seconds from os.time() without ffi).
local has_ffi, ffi = pcall(require, "ffi")
local now_us
if has_ffi then
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clk_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  now_us = function()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
  end
else
  now_us = function() return os.time() * 1e6 end
end
local prefix
local headers = {["Content-Type"] = "application/json"}
local RUNNING = '{"state":{"type":"RUNNING","name":"Running"}}'
local COMPLETED = '{"state":{"type":"COMPLETED","name":"Completed"}}'

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then ids[#ids + 1] = line end
  end
  prefix = args[2]
  extra.filler, extra.accepted, extra.not_accepted, extra.exhausted = 0, 0, 0, 0
end

function request()
  if not verified then
    -- wrk calls request() once after init() to check the script (script_verify_request)
    -- and never sends that request: hand it a filler so no prepared id is lost.
    verified = true
    return wrk.format("GET", prefix .. "/health", {}, nil)
  end
  local id = table.remove(ready)
  if id then
    real_inflight = real_inflight + 1
    return wrk.format("POST", prefix .. "/flow_runs/" .. id .. "/set_state", headers, COMPLETED)
  end
  if next_id <= #ids then
    if next_id == 1 then first_us = now_us() end
    id = ids[next_id]
    next_id = next_id + 1
    running[id] = true
    real_inflight = real_inflight + 1
    return wrk.format("POST", prefix .. "/flow_runs/" .. id .. "/set_state", headers, RUNNING)
  end
  if real_inflight == 0 then
    if extra.exhausted == 0 then
      extra.exhausted = 1
      extra.active_us = now_us() - (first_us or now_us())
    end
    wrk.thread:stop()
  end
  return wrk.format("GET", prefix .. "/health", {}, nil)
end

function response(status, headers, body)
  if status == 200 and body == "true" then
    extra.filler = extra.filler + 1
    return
  end
  real_inflight = real_inflight - 1
  count_status(status)
  local id = body and body:match('"flow_run_id"%s*:%s*"([^"]+)"')
  if not id then return end
  local result = body:match('"status"%s*:%s*"(%u+)"')
  if result == "ACCEPT" then
    extra.accepted = extra.accepted + 1
  else
    extra.not_accepted = extra.not_accepted + 1
  end
  if running[id] then
    running[id] = nil
    if result == "ACCEPT" then table.insert(ready, id) end
  end
end
