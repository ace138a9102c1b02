-- POST scenario: a small JSON body (~100 bytes) sent as application/json;
-- the upstream echoes it. done() prints the same line as get.lua.
wrk.method = "POST"
wrk.body   = '{"id":12345,"name":"bench","email":"bench@example.com","tags":["a","b","c"],"active":true,"score":4.5}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
