-- inspect scenario: a realistic ~1 KiB JSON document (an order: names,
-- addresses, prose notes, a URL) POSTed as application/json; the upstream
-- echoes it. Every string field is something the injection detectors and
-- CRS inspect, none is an attack. done() prints the same line as get.lua.
wrk.method = "POST"
wrk.body   = '{"order_id":"ord_8f3a2c91d4","customer":{"id":48213,"name":"Maria Fernandez","email":"maria.fernandez@example.com","phone":"+34 612 345 678","locale":"es-ES"},"shipping":{"name":"Maria Fernandez","line1":"Calle de Alcala 123, 4 B","line2":"","city":"Madrid","postal_code":"28009","country":"ES","method":"express"},"items":[{"sku":"TS-1042-BLU-M","name":"Organic cotton t-shirt, blue, M","qty":2,"unit_price":19.95},{"sku":"MG-220","name":"Ceramic mug 350 ml","qty":1,"unit_price":12.5},{"sku":"NB-A5-DOT","name":"A5 dotted notebook","qty":3,"unit_price":6.9}],"coupon":"WINTER-10","currency":"EUR","subtotal":73.1,"discount":7.31,"total":65.79,"notes":"Please leave the parcel with the concierge if nobody is at home. Thank you!","gift":{"wrap":true,"message":"Happy birthday, Ana! See you on Saturday."},"created_at":"2024-11-28T10:15:00Z","tags":["gift","express","newsletter"],"metadata":{"source":"web","campaign":"newsletter-2024-11","ab_bucket":"B","referrer":"https://www.example.com/blog/winter-gift-guide?utm_source=newsletter&utm_medium=email"}}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
