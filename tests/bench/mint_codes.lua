-- wrk script that mints authorization codes for the code-exchange scenario:
-- GET /api/oauth/authorize (path given on the wrk command line) with the
-- session cookie of a user who has approved the app, so that every reply is
-- a 302 to the redirect URI with a fresh code. Each thread appends its codes
-- to "$BENCH_CODES.got.<thread id>".
-- Environment: BENCH_LUA_DIR, BENCH_CODES (file prefix), BENCH_COOKIE.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
  got = bench_log(os.getenv("BENCH_CODES"), "got", id)
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
end

function response(status, headers, body)
  if status == 302 then
    local code = (headers["Location"] or headers["location"] or ""):match("[?&]code=([%w%-_]+)")
    if code then got:write(code, "\n") end
  end
end
