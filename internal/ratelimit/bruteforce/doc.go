// Package bruteforce protects login routes against password guessing and
// credential stuffing: it counts failed logins per client IP and per
// username, slows each subject down progressively after a few failures, and
// locks it out for a while after too many within a window.
//
// It sits on login routes after the rate limiter: Check runs before the
// request is forwarded (a locked subject gets 429, a delay is served before
// forwarding), Record runs once the upstream has answered and the gateway has
// decided, from the status, whether the login failed.
//
// Usernames are attacker-chosen and personal: they never reach a backend key
// or a log in clear. Keys hold an HMAC of the normalized value under a
// secret, so a dump of Redis reveals neither who was targeted nor from where.
// Username extraction refuses parameter pollution (duplicate or repeated
// fields, arrays), since the gateway and the upstream could otherwise count
// and check different usernames.
package bruteforce
