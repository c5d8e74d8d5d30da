-- POST /api/v1/purchases with a fresh receipt number each time (a counter and a random part),
-- round-robin over the card numbers in BENCH_CARDS (comma-separated), as tills would.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
  ["Content-Type"] = "application/json",
}
local cards = {}
for card in string.gmatch(os.getenv("BENCH_CARDS"), "[^,]+") do table.insert(cards, card) end
local tag = os.getenv("BENCH_TAG") or "bench"
local currency = os.getenv("BENCH_CURRENCY") or "CNY"
local counter = 0
math.randomseed(os.time())

request = function()
  counter = counter + 1
  local card = cards[(counter % #cards) + 1]
  local receipt = string.format("BN%s-%08d-%06x", tag, counter, math.random(0, 0xffffff))
  local yuan = math.random(99, 20000)
  local amount = string.format("%d.%02d", yuan, math.random(0, 99))
  local body = string.format(
    '{"member": "%s", "receipt_no": "%s", "amount": "%s", "currency": "%s", '
      .. '"purchased_at": "%s", "store": "Shanghai IFC", "items": [{"sku": "RG-101", '
      .. '"name": "18K gold ring", "quantity": 1, "unit_price": "%s"}]}',
    card, receipt, amount, currency, os.date("!%Y-%m-%dT%H:%M:%SZ"), amount)
  return wrk.format("POST", "/api/v1/purchases", headers, body)
end
