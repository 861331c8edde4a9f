-- A fixed request: args = METHOD [BODY]. The path comes from the URL given to wrk.
function init(args)
  wrk.method = args[1] or "GET"
  if args[2] and args[2] ~= "" then
    wrk.body = args[2]
    wrk.headers["Content-Type"] = "application/json"
  end
end

function response(status, headers, body)
  count_status(status)
end
