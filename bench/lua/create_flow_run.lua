-- POST /api/flow_runs/ with a unique name per request: args = FLOW_ID NAME_PREFIX.
local flow_id, prefix
local counter = 0
local headers = {["Content-Type"] = "application/json"}

function init(args)
  flow_id, prefix = args[1], args[2]
end

function request()
  counter = counter + 1
  local body = '{"flow_id":"' .. flow_id .. '","name":"' .. prefix .. counter ..
    '","state":{"type":"PENDING","name":"Pending"}}'
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  count_status(status)
end
