-- wrk script of the refresh_token grant: every request presents a live
-- refresh token, used once. Each thread keeps a FIFO queue of tokens read
-- from "$BENCH_TOKENS.<thread id>"; request() takes the oldest, response()
-- puts the successor from a 200 reply at the back. Each thread logs the tokens
-- it sent ("$BENCH_TOKENS.sent.<id>") and the successors it got
-- ("$BENCH_TOKENS.got.<id>"), from which run.sh works out the live ones for
-- the next run: tokens in flight when the run stops count as spent. An empty
-- queue (every token lost to errors) sends a token that cannot be valid,
-- which shows up as an error in the table.
-- Environment: BENCH_LUA_DIR, BENCH_TOKENS (file prefix), BENCH_AUTH (Basic).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

function init(args)
  local prefix = os.getenv("BENCH_TOKENS")
  queue = bench_read_queue(prefix, id)
  sent = bench_log(prefix, "sent", id)
  got = bench_log(prefix, "got", id)
  wrk.method = "POST"
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local token = bench_pop(queue) or "queue-empty"
  sent:write(token, "\n")
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status == 200 then
    local successor = body:match('"refresh_token":"([^"]+)"')
    if successor then
      bench_push(queue, successor)
      got:write(successor, "\n")
    end
  end
end
