-- GET one page, signed in: BENCH_PATH, BENCH_COOKIE ("name=value"), and optional htmx headers
-- (BENCH_HX_TARGET: the element the page's htmx asks for) or a bearer token (BENCH_TOKEN).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local path = os.getenv("BENCH_PATH") or "/"
local headers = {}
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then headers["Cookie"] = cookie end
local target = os.getenv("BENCH_HX_TARGET")
if target and target ~= "" then
  headers["HX-Request"] = "true"
  headers["HX-Target"] = target
  headers["HX-Current-URL"] = "http://127.0.0.1/rewards"
end
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end

request = function()
  return wrk.format("GET", path, headers)
end
