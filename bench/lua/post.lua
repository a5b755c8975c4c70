-- POST the same JSON body on every request. The body and the API key come from
-- the environment so the secret never lands on disk, in argv or in a log.
wrk.method = "POST"
wrk.body = assert(os.getenv("BENCH_BODY"), "BENCH_BODY is not set")
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_API_KEY")
if key ~= nil and key ~= "" then
  wrk.headers["X-API-KEY"] = key
end
