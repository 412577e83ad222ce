-- wrk script of the authorization_code grant: each request exchanges one
-- pre-minted code (from mint_codes.lua, spread by run.sh over
-- "$BENCH_CODES.<thread id>"), never the same twice. A thread whose codes run
-- out stops (wrk then divides by the shorter run time); its last request is a
-- GET /api/health so that no invalid exchange is counted.
-- Environment: BENCH_LUA_DIR, BENCH_CODES (file prefix), BENCH_AUTH (Basic),
-- BENCH_REDIRECT (the redirect_uri, URL-encoded).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
  queue = bench_read_queue(os.getenv("BENCH_CODES"), id)
  prefix = "grant_type=authorization_code&redirect_uri=" .. os.getenv("BENCH_REDIRECT") .. "&code="
  wrk.method = "POST"
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local code = bench_pop(queue)
  if not code then
    wrk.thread:stop()
    return wrk.format("GET", "/api/health", {}, nil)
  end
  return wrk.format(nil, nil, nil, prefix .. code)
end
