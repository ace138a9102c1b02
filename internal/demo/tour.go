package demo

import (
	"strconv"
	"strings"
)

// The GraphQL operations the tour sends, refused through the gateway and
// answered by the shop directly (cmd/bulwark's e2e test sends these).
const (
	// TourGraphQLDeep nests seven levels; the demo config allows six.
	TourGraphQLDeep = "{ user(id: 1) { friends { friends { friends { friends { friends { friends { username } } } } } } } }"
	// TourGraphQLDenied asks for a field only the admin role may read.
	TourGraphQLDenied = "{ user(id: 2) { username ssn } }"
)

// TourGraphQLAliases repeats one list under 16 aliases; the demo allows 15.
var TourGraphQLAliases = func() string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := 1; i <= 16; i++ {
		b.WriteString("a" + strconv.Itoa(i) + ": users { username } ")
	}
	return b.String() + "}"
}()

// tourText is the tour with placeholders for the three base URLs.
const tourText = `What to try (copy one command at a time into a shell)

Through the gateway, {gateway}
  log in as alice and keep her session token:
    TOKEN=$(curl -s {gateway}/login -H 'Content-Type: application/json' \
      -d '{"username":"alice","password":"alice-password"}' | sed -nE 's/.*"token": *"([^"]*)".*/\1/p')
  a normal call, alice's own orders:
    curl -s -H "Authorization: Bearer $TOKEN" {gateway}/users/1/orders
  path traversal, refused with problem JSON (400):
    curl -s '{gateway}/users/1/..%2f..%2fadmin/users'
  a NUL byte in the path, refused (400):
    curl -s '{gateway}/products/%00'
  a method the route does not allow, refused (405):
    curl -si -X PUT {gateway}/login
  SQL injection in the search, refused with a finding id (403); O'Brien passes Bulwark:
    curl -s -G {gateway}/search --data-urlencode "q=' UNION SELECT id, username, password_hash, 0 FROM users --"
  a NoSQL operator in the order filter, refused (403):
    curl -s {gateway}/orders/search -H 'Content-Type: application/json' -d '{"filter":{"status":{"$ne":null}}}'
  the OpenAPI contract: an order id that is not an integer, refused with the failing field (400):
    curl -s '{gateway}/orders?id=abc'
  live order updates, server-sent events streamed through:
    curl -N {gateway}/events
  bob's record cut to the shop's OpenAPI contract: no password_hash or ssn, the card masked:
    curl -s {gateway}/users/2
  a crash answered with a clean problem; the stack trace stays in Bulwark's log:
    curl -s {gateway}/debug/crash
  GraphQL, a normal query:
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{ user(id: 1) { username orders(first: 2) { id status } } }'
  a query nested seven deep, refused before the shop sees it (400 graphql_too_deep):
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{deep}'
  an alias flood, one list 16 times over (400 graphql_too_many_aliases):
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{aliases}'
  a field only admins may read (403 graphql_field_forbidden), and introspection (403):
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{denied}'
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{ __schema { types { name } } }'
  guessing bob's password: after 5 failures the login is locked (429, Retry-After):
    for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} ' {gateway}/login \
      -H 'Content-Type: application/json' -d '{"username":"bob","password":"guess'$i'"}'; done; echo

Metrics and the admin API, {admin}
  Prometheus metrics:
    curl -s {admin}/metrics | grep '^bulwark_'
  the routes Bulwark serves, then the requests it refused:
    curl -s -H "Authorization: Bearer $BULWARK_ADMIN_TOKEN" {admin}/admin/api/routes
    curl -s -H "Authorization: Bearer $BULWARK_ADMIN_TOKEN" '{admin}/admin/api/audit?decision=deny'

Straight to the shop, {upstream}, with nothing in the way
(the flaws Bulwark's guards stop; BOLA and mass assignment need the
authenticated setup in docs/authorization.md):
  BOLA, alice reads bob's order:
    curl -s -H "Authorization: Bearer $TOKEN" {upstream}/orders/1004
  excessive data exposure, password_hash, card_number and ssn:
    curl -s {upstream}/users/2
  SQL injection, every product, then the users table:
    curl -s -G {upstream}/search --data-urlencode "q=' OR 1=1 --"
    curl -s -G {upstream}/search --data-urlencode "q=' UNION SELECT id, username, password_hash, 0 FROM users --"
  NoSQL injection, everyone's orders:
    curl -s {upstream}/orders/search -H 'Content-Type: application/json' -d '{"filter":{"status":{"$ne":null}}}'
  mass assignment, alice makes herself admin:
    curl -s -X PATCH {upstream}/users/1 -H 'Content-Type: application/json' -d '{"role":"admin","is_admin":true}'
  leaky errors, SQL text and a stack trace:
    curl -s {upstream}/orders/abc
  GraphQL without limits: the deep query, the alias flood and bob's ssn all run:
    curl -s {upstream}/graphql -H 'Content-Type: application/graphql' -d '{deep}'
    curl -s {upstream}/graphql -H 'Content-Type: application/graphql' -d '{aliases}'
    curl -s {upstream}/graphql -H 'Content-Type: application/graphql' -d '{denied}'
`

// Tour returns the "what to try" text that `bulwark demo` prints: curl
// commands against the gateway, the admin listener and, to show what the
// guards are for, the unprotected shop itself. The admin token is referred
// to as $BULWARK_ADMIN_TOKEN.
func Tour(gatewayURL, upstreamURL, adminURL string) string {
	trim := func(u string) string { return strings.TrimSuffix(u, "/") }
	return strings.NewReplacer(
		"{gateway}", trim(gatewayURL),
		"{upstream}", trim(upstreamURL),
		"{admin}", trim(adminURL),
		"{deep}", TourGraphQLDeep,
		"{aliases}", TourGraphQLAliases,
		"{denied}", TourGraphQLDenied,
	).Replace(tourText)
}
