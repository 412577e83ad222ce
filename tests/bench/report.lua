-- Shared by every wrk script of `make bench` (loaded with dofile from
-- $BENCH_LUA_DIR): numbers the threads in setup() and prints, in done(), one
-- line that tests/bench/run.sh parses:
--
--   BENCH_RESULT requests=N duration_us=N p50_us=N p99_us=N status_errors=N socket_errors=N
--
-- status_errors is wrk's count of HTTP statuses > 399; socket_errors adds up
-- connect, read, write errors and timeouts.
--
-- State never travels back from the threads through thread:get(): wrk 4.1
-- corrupts the Lua stack when it copies a table. Threads write what must
-- outlive the run (tokens, codes) to their own files instead; the C library
-- flushes them when wrk exits.

local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end

-- Reads "<prefix>.<id>" (one value a line) into a FIFO queue {items, head, tail}.
function bench_read_queue(prefix, thread_id)
  local q = { items = {}, head = 1, tail = 0 }
  local f = io.open(prefix .. "." .. thread_id, "r")
  if f then
    for line in f:lines() do
      if #line > 0 then
        q.tail = q.tail + 1
        q.items[q.tail] = line
      end
    end
    f:close()
  end
  return q
end

-- Takes the oldest value of a queue, or nil when it is empty.
function bench_pop(q)
  if q.head > q.tail then return nil end
  local v = q.items[q.head]
  q.items[q.head] = nil
  q.head = q.head + 1
  return v
end

function bench_push(q, v)
  q.tail = q.tail + 1
  q.items[q.tail] = v
end

-- Opens "<prefix>.<suffix>.<id>" for appending: a log of this thread.
function bench_log(prefix, suffix, thread_id)
  return assert(io.open(prefix .. "." .. suffix .. "." .. thread_id, "a"))
end
