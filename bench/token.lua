-- wrk script: client_credentials token requests (POST /oauth2/token).
--
-- client_secret_basic: set AUTHORIZATION to the full header value ("Basic <base64(id:secret)>");
--                      the body is then only the grant type (bench/run does this).
-- client_secret_post:  leave AUTHORIZATION unset; CLIENT_ID and CLIENT_SECRET go in the body.
--
-- No response() callback on purpose: with one, wrk buffers and hands every body to Lua, which
-- costs load-generator CPU on the same cores as the node. wrk itself counts answers >= 400 and
-- prints "Non-2xx or 3xx responses: N"; bench/run fails the run when that line appears.
local auth = os.getenv("AUTHORIZATION")
local scope = os.getenv("SCOPE")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local body = "grant_type=client_credentials"
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
else
  local id = os.getenv("CLIENT_ID") or "bench-rs"
  local secret = os.getenv("CLIENT_SECRET") or "bench-secret-0123456789"
  body = body .. "&client_id=" .. id .. "&client_secret=" .. secret
end
if scope and scope ~= "" then
  body = body .. "&scope=" .. scope:gsub(" ", "+")
end
wrk.body = body

done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx responses: %d\n", summary.errors.status))
end
