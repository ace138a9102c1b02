-- graphql scenario (bench/graphql.sh): the guard benchmark's typical ~2 KiB
-- storefront query (internal/graphql/bench_test.go: variables, three
-- fragments, nested lists with page sizes, aliases, directives, comments)
-- POSTed as application/json; the upstream echoes it. done() prints the
-- same line as get.lua.
wrk.method = "POST"
wrk.body   = [==[{"query":"query OrderHistory($id: ID!, $pageSize: Int = 20, $withItems: Boolean = true, $withFriends: Boolean = false) {\n  # The signed-in customer and the account page's side panel.\n  me {\n    ...UserSummary\n    recent: orders(first: 5) {\n      ...OrderLine\n      items(limit: 10) @include(if: $withItems) {\n        quantity\n        product { ...ProductCard }\n      }\n    }\n    friends(first: 3) @include(if: $withFriends) {\n      ...UserSummary\n    }\n  }\n  # The customer the support agent is looking at.\n  customer: user(id: $id) {\n    ...UserSummary\n    orders(first: $pageSize) {\n      ...OrderLine\n      owner { id name }\n      items(limit: 5) @skip(if: false) {\n        quantity\n        product { ...ProductCard }\n      }\n    }\n  }\n  # Recommendations shown under the order list.\n  suggestions: search(text: \"gift ideas for the holidays\", limit: 8) {\n    ...ProductCard\n  }\n  popular: search(text: \"best sellers this week\", limit: 4) {\n    ...ProductCard\n  }\n}\n\nfragment UserSummary on User {\n  id\n  name\n  __typename\n}\n\nfragment OrderLine on Order {\n  id\n  total\n  status\n  __typename\n}\n\nfragment ProductCard on Product {\n  id\n  name\n  price\n  __typename\n}\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n# padding to a typical 2 KB request\n","operationName":"OrderHistory","variables":{"id":"42","pageSize":10}}]==]
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
