-- POST a redemption with the session's CSRF token and a fresh idempotency key each time:
-- every request redeems again (the reward has no stock limit, the member a huge balance).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local path = os.getenv("BENCH_PATH")
local csrf = os.getenv("BENCH_CSRF")
local headers = {
  ["Cookie"] = os.getenv("BENCH_COOKIE"),
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["X-CSRFToken"] = csrf,
}
local tag = os.getenv("BENCH_TAG") or "bench"
local counter = 0
math.randomseed(os.time())

request = function()
  counter = counter + 1
  local key = string.format("%s%08d%08x", tag, counter, math.random(0, 0x7fffffff))
  local body = "csrf_token=" .. csrf .. "&idempotency_key=" .. key
  return wrk.format("POST", path, headers, body)
end
