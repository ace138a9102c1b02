// Package bruteforce protects login routes against password guessing and
// credential stuffing: it counts failed logins per client IP and per
// username (each with its own threshold, so one user's typos do not lock a
// whole NAT), slows each subject down progressively after a few failures,
// and locks it out for a while after too many within a window.
//
// It sits on login routes after the rate limiter. Guard.Begin runs before
// the request is forwarded: a locked subject gets 429, otherwise the attempt
// reserves a slot on each subject — attempts in flight count against the
// threshold, so parallel guesses cannot outrun the count, on one node or
// many (an atomic script per subject on Redis). Attempt.Settle runs with the
// upstream's answer: a failure counts, a success resets the username, an
// answer never seen counts as a failure, and a reservation never settled
// counts as one once its hold ends.
//
// Usernames are attacker-chosen and personal: they never reach a backend key
// or a log in clear. Keys hold an HMAC of the normalized value under a
// secret, so a dump of Redis reveals neither who was targeted nor from where.
// Username extraction refuses parameter pollution (duplicate or repeated
// fields, arrays), since the gateway and the upstream could otherwise count
// and check different usernames.
//
// LoginGuard is the route's guard on the request path, built from the
// route's Options: Begin reads the attempt from the request's exchange and
// refuses, holds or admits it; Answer and Finish count its outcome.
package bruteforce
