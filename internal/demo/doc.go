// Package demo is the shop API that `bulwark demo` starts behind the gateway:
// a small, deliberately vulnerable REST service used as a teaching target.
//
// It sits outside the request pipeline: it is the upstream, the thing Bulwark
// protects. Reached directly it is vulnerable in exactly the ways later guards
// stop, and each handler says which flaw it carries:
//
//   - BOLA: any user's objects are returned by id, with no ownership check;
//   - excessive data exposure: user objects carry password hashes, card
//     numbers, SSNs and internal notes (all fake test values);
//   - injection: GET /search builds SQL by string concatenation, and
//     POST /orders/search interprets a Mongo-style filter naively;
//   - mass assignment: PATCH /users/{id} sets any field, role and is_admin too;
//   - no brute-force limit on POST /login;
//   - leaky errors: 500 responses carry the SQL error text and a stack trace;
//   - admin endpoints without any check.
//
// Everything lives in an in-memory SQLite database private to each Shop, so
// several shops (in tests, say) never see each other's data. The shop must
// only ever listen on loopback.
package demo
