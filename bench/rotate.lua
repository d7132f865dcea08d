-- wrk script: each request carries the next token of BENCH_TOKENS (a file,
-- one token a line) that has uses left, BENCH_USES (10) each; a thread
-- stops when its tokens are used up.  Threads take disjoint slices.
local tokens, uses, next_i = {}, tonumber(os.getenv("BENCH_USES") or "10"), 1
local left = {}
local counter = 0
local all = {}

for line in io.lines(os.getenv("BENCH_TOKENS")) do
  if #line > 0 then all[#all + 1] = line end
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS") or "2")
  for i = 1 + id, #all, n do
    tokens[#tokens + 1] = all[i]
    left[#tokens] = uses
  end
end

function request()
  while next_i <= #tokens and left[next_i] == 0 do
    next_i = next_i + 1
  end
  if next_i > #tokens then
    -- used up: stop; what is already asked for goes to /healthz
    wrk.thread:stop()
    return wrk.format(nil, "/healthz")
  end
  left[next_i] = left[next_i] - 1
  return wrk.format(nil, wrk.path,
    { ["Authorization"] = "Bearer " .. tokens[next_i] })
end
