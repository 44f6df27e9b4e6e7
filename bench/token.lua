-- wrk script: client_credentials token requests. CLIENT_ID, CLIENT_SECRET from the environment.
local id = os.getenv("CLIENT_ID") or "bench-rs"
local secret = os.getenv("CLIENT_SECRET") or "bench-secret-0123456789"
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&client_id=" .. id .. "&client_secret=" .. secret
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 responses: %d\n", summary.errors.status))
end
