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

// tourText is the tour with placeholders for the three base URLs. Every step
// is a title (two spaces in), its commands (four; a continuation six) and an
// "expect:" line: the HTTP status the step's curl commands get, and the texts
// (in backquotes) the output holds, or does not hold after "no". A test in
// cmd/bulwark runs every command against a real demo and checks all of it.
const tourText = `What to try: copy one command at a time into bash or zsh. After each
step, "expect:" says the HTTP status (a refusal's problem JSON carries it as
"status"; add -i to curl to see it on any answer) and what the output holds or lacks.

Two users through the gateway, {gateway}
  log in as alice and as bob; the gateway asks the shop whose session token a
  request carries (RFC 7662 introspection), so it knows alice is user 1, bob 2:
    ALICE=$(curl -s {gateway}/login -H 'Content-Type: application/json' \
      -d '{"username":"alice","password":"alice-password"}' | sed -nE 's/.*"token": *"([^"]*)".*/\1/p')
    BOB=$(curl -s {gateway}/login -H 'Content-Type: application/json' \
      -d '{"username":"bob","password":"bob-password"}' | sed -nE 's/.*"token": *"([^"]*)".*/\1/p')
    echo ${#ALICE} ${#BOB}
    expect: two 64-character tokens, ` + "`64 64`" + `
  alice reads her own orders:
    curl -s -H "Authorization: Bearer $ALICE" {gateway}/users/1/orders
    expect: 200, her orders ` + "`1001`" + ` to ` + "`1003`" + `, no ` + "`1004`" + `
  BOLA: alice asks for bob's orders, refused before the shop sees it:
    curl -s -H "Authorization: Bearer $ALICE" {gateway}/users/2/orders
    expect: 403 ` + "`not_owner`" + `
  without a token, refused:
    curl -s {gateway}/users/1/orders
    expect: 401 ` + "`credentials_missing`" + `
  the shop's token check answers the gateway only; through the gateway, /oauth/ is
  Bulwark's own authorization server, whose token check wants a registered client:
    curl -s -X POST {gateway}/oauth/introspect -d token=guess
    expect: 401 ` + "`request_unauthorized`" + `
  data exposure: alice's own record, cut to the shop's OpenAPI contract, her card masked:
    curl -s -H "Authorization: Bearer $ALICE" {gateway}/users/1
    expect: 200 ` + "`************1111`" + `, no ` + "`password_hash`" + `, no ` + "`ssn`" + `, no ` + "`internal_notes`" + `
  bob's record, which the shop would hand anyone, refused to alice:
    curl -s -H "Authorization: Bearer $ALICE" {gateway}/users/2
    expect: 403 ` + "`not_owner`" + `, no ` + "`5555555555554444`" + `
  mass assignment: alice tries to make herself admin, refused naming the fields:
    curl -s -X PATCH -H "Authorization: Bearer $ALICE" {gateway}/users/1 \
      -H 'Content-Type: application/json' -d '{"role":"admin","is_admin":true}'
    expect: 422 ` + "`readonly_field`" + ` ` + "`is_admin`" + `
  bob tries to change alice's email, refused:
    curl -s -X PATCH -H "Authorization: Bearer $BOB" {gateway}/users/1 \
      -H 'Content-Type: application/json' -d '{"email":"bob@example.com"}'
    expect: 403 ` + "`not_owner`" + `
  path traversal, refused with problem JSON:
    curl -s '{gateway}/users/1/..%2f..%2fadmin/users'
    expect: 400 ` + "`path_invalid`" + `
  a NUL byte in the path, refused:
    curl -s '{gateway}/products/%00'
    expect: 400 ` + "`path_invalid`" + `
  a method the route does not allow, refused (-i shows the Allow header):
    curl -si -X PUT {gateway}/login
    expect: 405 ` + "`method_not_allowed`" + ` ` + "`Allow: POST`" + `
  SQL injection in the search, refused with a finding id:
    curl -s -G {gateway}/search --data-urlencode "q=' UNION SELECT id, username, password_hash, 0 FROM users --"
    expect: 403 ` + "`injection_detected`" + ` ` + "`sqli`" + `, a ` + "`finding`" + ` id, no ` + "`$2b$`" + `
  a search that merely looks odd passes:
    curl -s -G {gateway}/search --data-urlencode "q=USB-C"
    expect: 200 ` + "`USB-C Hub`" + `
  O'Brien passes Bulwark: the name reaches the shop, which knows no such user:
    curl -s {gateway}/login -H 'Content-Type: application/json' \
      -d '{"username":"O'"'"'Brien","password":"irish-password"}'
    expect: 401 ` + "`invalid credentials`" + `
  a NoSQL operator in the order filter, refused:
    curl -s {gateway}/orders/search -H 'Content-Type: application/json' -d '{"filter":{"status":{"$ne":null}}}'
    expect: 403 ` + "`injection_detected`" + ` ` + "`nosql`" + `
  the OpenAPI contract: an order id that is not an integer, refused naming the field:
    curl -s '{gateway}/orders?id=abc'
    expect: 400 ` + "`request_invalid`" + ` ` + "`id`" + `
  live order updates, server-sent events streamed through (five, then the stream ends):
    curl -sN {gateway}/events
    expect: 200 ` + "`id: 5`" + `
  a crash answered with a clean problem; the stack trace stays in Bulwark's log:
    curl -s {gateway}/debug/crash
    expect: 500, no ` + "`goroutine`" + `, no ` + "`SELECT`" + `
  GraphQL, a normal query:
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{ user(id: 1) { username orders(first: 2) { id status } } }'
    expect: 200 ` + "`alice`" + `
  a query nested seven deep, refused before the shop sees it:
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{deep}'
    expect: 400 ` + "`graphql_too_deep`" + `
  an alias flood, one list 16 times over:
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{aliases}'
    expect: 400 ` + "`graphql_too_many_aliases`" + `
  a field only admins may read:
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{denied}'
    expect: 403 ` + "`graphql_field_forbidden`" + `, no ` + "`219-09-9999`" + `
  introspection, refused:
    curl -s {gateway}/graphql -H 'Content-Type: application/graphql' -d '{ __schema { types { name } } }'
    expect: 403 ` + "`graphql_introspection_disabled`" + `
  last, because it locks bob's login for a minute: guessing bob's password,
  locked after 5 failures:
    for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} ' {gateway}/login \
      -H 'Content-Type: application/json' -d '{"username":"bob","password":"guess'$i'"}'; done; echo
    expect: ` + "`401 401 401 401 401 429`" + `
  only bob's login is locked: alice still logs in from the same address:
    curl -s -o /dev/null -w '%{http_code}\n' {gateway}/login -H 'Content-Type: application/json' \
      -d '{"username":"alice","password":"alice-password"}'
    expect: ` + "`200`" + `

A third-party app, Order Tracker, {app}
In a browser: open {app}, choose Connect, sign in as alice (alice-password) on the
gateway's page and allow. The app shows her orders, read through the gateway with a
token from Bulwark's own authorization server (OAuth 2.0, PKCE), never her password;
{gateway}/account/apps shows the app, and Disconnect takes its access back. The same
with curl, a cookie jar playing the browser:
  the app sends you to the gateway to sign in, with a PKCE challenge (S256):
    JAR=$(mktemp)
    QUERY=$(curl -s -c "$JAR" -b "$JAR" -L -o /dev/null -w '%{url_effective}' {app}/connect | cut -d'?' -f2-)
    echo "$QUERY"
    expect: ` + "`client_id=order-tracker`" + ` ` + "`code_challenge_method=S256`" + `
  sign in as alice on the gateway's page (the form carries its cookie's CSRF token),
  and the consent page asks whether the app may read her orders:
    CSRF=$(awk '$6 == "bulwark_csrf" {print $7}' "$JAR")
    curl -s -c "$JAR" -b "$JAR" -L {gateway}/oauth/login --data-urlencode "csrf=$CSRF" \
      --data-urlencode "query=$QUERY" -d username=alice -d password=alice-password
    expect: 200 ` + "`Allow Order Tracker to access your account?`" + ` ` + "`read your orders`" + `
  allow: the gateway sends a code back to the app, which exchanges it (with its PKCE
  verifier) for tokens and reads alice's orders through the gateway:
    curl -s -c "$JAR" -b "$JAR" -L {gateway}/oauth/consent --data-urlencode "csrf=$CSRF" \
      --data-urlencode "query=$QUERY" -d decision=approve
    expect: 200 ` + "`Order 1001`" + `, no ` + "`Order 1004`" + `
  what the app reads with its token, as JSON (GET /me/orders: her orders only):
    curl -s -b "$JAR" {app}/orders
    expect: 200 ` + "`1003`" + `, no ` + "`1004`" + `
  the connected-apps page on the gateway, signed in as alice:
    curl -s -b "$JAR" {gateway}/account/apps
    expect: 200 ` + "`Order Tracker`" + ` ` + "`read your orders`" + ` ` + "`Disconnect Order Tracker`" + `
  the same as JSON, with what the app read lately (from the audit trail, written
  within a second):
    sleep 1
    curl -s -b "$JAR" {gateway}/account/api/apps
    expect: 200 ` + "`\"client_id\":\"order-tracker\"`" + ` ` + "`\"read_lately\":[{\"category\":\"orders\"`" + `
  disconnect it, as the page's button does:
    GRANT=$(curl -s -b "$JAR" {gateway}/account/api/apps | sed -nE 's/.*"grant_id":"([^"]*)".*/\1/p')
    curl -s -c "$JAR" -b "$JAR" -L {gateway}/account/apps/revoke --data-urlencode "csrf=$CSRF" -d "grant=$GRANT"
    expect: 200 ` + "`No app has access to your account.`" + `
  the app's very next call with its token is refused at the gateway:
    curl -s -b "$JAR" {app}/orders
    expect: 401 ` + "`revoked`" + `

Metrics and the admin API, {admin} (export BULWARK_ADMIN_TOKEN as printed above)
  what the gateway refused, counted by reason:
    curl -s {admin}/metrics | grep '^bulwark_denials_total'
    expect: ` + "`not_owner`" + ` ` + "`mass_assignment`" + ` ` + "`login_locked`" + `
  the routes Bulwark serves:
    curl -s -H "Authorization: Bearer $BULWARK_ADMIN_TOKEN" {admin}/admin/api/routes
    expect: 200 ` + "`/users/{id}/orders`" + `
  the requests it refused, with the deciding rule, never a body or a token:
    curl -s -H "Authorization: Bearer $BULWARK_ADMIN_TOKEN" '{admin}/admin/api/audit?decision=deny'
    expect: 200 ` + "`not_owner`" + ` ` + "`owner[0]`" + `, no ` + "`$ALICE`" + `

Straight to the shop, {upstream}, with nothing in the way (the flaws above)
  BOLA: alice's token reads bob's order; the shop checks nothing:
    curl -s -H "Authorization: Bearer $ALICE" {upstream}/orders/1004
    expect: 200 ` + "`22 Elm Rd`" + `
  excessive data exposure: bob's password_hash, card number and ssn:
    curl -s {upstream}/users/2
    expect: 200 ` + "`password_hash`" + ` ` + "`5555555555554444`" + ` ` + "`219-09-9999`" + `
  SQL injection: every product, then the users table with the password hashes:
    curl -s -G {upstream}/search --data-urlencode "q=' OR 1=1 --"
    curl -s -G {upstream}/search --data-urlencode "q=' UNION SELECT id, username, password_hash, 0 FROM users --"
    expect: 200 ` + "`Coffee Mug`" + ` ` + "`$2b$12$`" + `
  O'Brien breaks the shop's string-built SQL, and its 500 leaks the query:
    curl -s -G {upstream}/search --data-urlencode "q=O'Brien"
    expect: 500 ` + "`SELECT id, name`" + `
  NoSQL injection: everyone's orders:
    curl -s {upstream}/orders/search -H 'Content-Type: application/json' -d '{"filter":{"status":{"$ne":null}}}'
    expect: 200 ` + "`1004`" + ` ` + "`1007`" + `
  mass assignment: alice makes herself admin:
    curl -s -X PATCH {upstream}/users/1 -H 'Content-Type: application/json' -d '{"role":"admin","is_admin":true}'
    expect: 200 ` + "`\"is_admin\": true`" + `
  the app's route believes whoever names the caller; the gateway replaces that header:
    curl -s -H 'X-Bulwark-Subject: 2' {upstream}/me/orders
    expect: 200 ` + "`1004`" + `
  leaky errors, SQL text and a stack trace:
    curl -s {upstream}/orders/abc
    expect: 500 ` + "`stack`" + `
  GraphQL without limits: the deep query, the alias flood and bob's ssn all run:
    curl -s {upstream}/graphql -H 'Content-Type: application/graphql' -d '{deep}'
    curl -s {upstream}/graphql -H 'Content-Type: application/graphql' -d '{aliases}'
    curl -s {upstream}/graphql -H 'Content-Type: application/graphql' -d '{denied}'
    expect: 200 ` + "`219-09-9999`" + `, no ` + "`errors`" + `
`

// Tour returns the "what to try" text that `bulwark demo` prints: curl
// commands against the gateway, the admin listener and, to show what the
// guards are for, the unprotected shop itself. The admin token is referred
// to as $BULWARK_ADMIN_TOKEN.
func Tour(gatewayURL, upstreamURL, adminURL, appURL string) string {
	trim := func(u string) string { return strings.TrimSuffix(u, "/") }
	return strings.NewReplacer(
		"{gateway}", trim(gatewayURL),
		"{upstream}", trim(upstreamURL),
		"{admin}", trim(adminURL),
		"{app}", trim(appURL),
		"{deep}", TourGraphQLDeep,
		"{aliases}", TourGraphQLAliases,
		"{denied}", TourGraphQLDenied,
	).Replace(tourText)
}
