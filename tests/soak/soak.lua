-- soak.lua - wrk's request mix for `make soak` (tests/soak/run).
--
-- Signed-in reads and writes and the error paths, in a fixed cycle of
-- 20: catalog reads (one by id, a list page), the caller's profile, its
-- subscriptions and entitlements, a plant put and removed, watering;
-- a missing plant (404), a bad token (401), a bad body (400), a method
-- the route lacks (405).  Each wrk thread signs in as its own user
-- (SOAK_TOKENS: one ID token per line).  SOAK_RATE (requests/s over all
-- threads) paces each thread on a clock: every request takes the next
-- slot of the thread's schedule (rate / threads a second), so the rate
-- holds whatever the answers' latency (a fixed pause after each answer
-- ran about 17 % slow); a late thread catches up at most a second's
-- worth.  The per-status counts come back through done().
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
int clock_gettime(int clk, soak_timespec *ts);
]]
local ts = ffi.new("soak_timespec")
local function now_ms()
	ffi.C.clock_gettime(1, ts)      -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local tokens = {}
local threads = {}
local counter = 0

local function read_tokens()
	local f = assert(io.open(os.getenv("SOAK_TOKENS"), "r"))
	for line in f:lines() do
		if #line > 0 then tokens[#tokens + 1] = line end
	end
	f:close()
end

function setup(thread)
	if #tokens == 0 then read_tokens() end
	counter = counter + 1
	thread:set("id", counter)
	thread:set("token", tokens[(counter - 1) % #tokens + 1])
	table.insert(threads, thread)
end

local i = 0
local auth, bad, step, slot
local st = { s2 = 0, s4 = 0, s503 = 0, s5 = 0, s0 = 0 }

function init(args)
	auth = { ["Authorization"] = "Bearer " .. token }
	bad = { ["Authorization"] = "Bearer x.y.z" }
	local rate = tonumber(os.getenv("SOAK_RATE") or "0")
	local nthreads = tonumber(os.getenv("SOAK_THREADS") or "2")
	step = rate > 0 and 1000 * nthreads / rate or 0
	slot = now_ms()
	i = id * 7
end

function delay()
	if step == 0 then return 0 end
	local now = now_ms()
	slot = math.max(slot + step, now - 1000)
	return math.max(0, math.floor(slot - now))
end

local json = { ["Authorization"] = nil, ["Content-Type"] = "application/json" }

function request()
	i = i + 1
	local k = i % 20
	local p = string.format("p%03d", (i % 8) + 1)
	if k < 5 then
		return wrk.format("GET", "/api/v1/plants/" .. p)
	elseif k == 5 then
		return wrk.format("GET", "/api/v1/plants?limit=5")
	elseif k < 9 then
		return wrk.format("GET", "/api/v1/users/me", auth)
	elseif k == 9 then
		return wrk.format("GET", "/api/v1/subscriptions", auth)
	elseif k == 10 then
		return wrk.format("GET", "/api/v1/entitlements", auth)
	elseif k == 11 then
		json["Authorization"] = auth["Authorization"]
		return wrk.format("PUT", "/api/v1/users/me/plants/" .. p, json,
		    '{"nickname":"soak"}')
	elseif k == 12 then
		return wrk.format("POST", "/api/v1/users/me/plants/" .. p ..
		    "/water", auth)
	elseif k == 13 then
		return wrk.format("DELETE", "/api/v1/users/me/plants/" .. p, auth)
	elseif k == 14 then
		return wrk.format("GET", "/api/v1/users/me/plants", auth)
	elseif k == 15 then
		return wrk.format("GET", "/api/v1/plants/no-such-plant")
	elseif k == 16 then
		return wrk.format("GET", "/api/v1/users/me", bad)
	elseif k == 17 then
		json["Authorization"] = auth["Authorization"]
		return wrk.format("PATCH", "/api/v1/users/me", json, '{"name":')
	elseif k == 18 then
		return wrk.format("PATCH", "/api/v1/plans")
	else
		return wrk.format("GET", "/api/v1/plans")
	end
end

function response(status, headers, body)
	if status >= 200 and status < 300 then st.s2 = st.s2 + 1
	elseif status == 503 then st.s503 = st.s503 + 1
	elseif status >= 500 then st.s5 = st.s5 + 1
	elseif status >= 400 then st.s4 = st.s4 + 1
	else st.s0 = st.s0 + 1 end
	s2, s4, s503, s5, s0 = st.s2, st.s4, st.s503, st.s5, st.s0
end

function done(summary, latency, requests)
	local t = { s2 = 0, s4 = 0, s503 = 0, s5 = 0, s0 = 0 }
	for _, th in ipairs(threads) do
		for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
	end
	io.write(string.format("SOAK requests=%d p99_us=%d p50_us=%d " ..
	    "s2xx=%d s4xx=%d s503=%d s5xx=%d other=%d errors=%d\n",
	    summary.requests, latency:percentile(99), latency:percentile(50),
	    t.s2, t.s4, t.s503, t.s5, t.s0,
	    summary.errors.connect + summary.errors.read +
	    summary.errors.write + summary.errors.timeout))
end
