-- wrk script for requests without per-request state (GET /api/health, JWKS,
-- the approvals GET with a fixed bearer token, introspection, the password
-- grant). Environment:
--   BENCH_LUA_DIR   this directory (for report.lua)
--   BENCH_METHOD    GET (default) or POST
--   BENCH_BODY      form body of a POST (application/x-www-form-urlencoded)
--   BENCH_AUTH      value of the Authorization header, if any
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local auth = os.getenv("BENCH_AUTH")
if auth and #auth > 0 then wrk.headers["Authorization"] = auth end
local body = os.getenv("BENCH_BODY")
if body and #body > 0 then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
