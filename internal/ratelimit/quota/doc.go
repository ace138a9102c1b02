// Package quota caps how much each consumer may use per calendar day or
// month (e.g. 10,000 requests a month on a plan), counted in a configured
// time zone and persisted in the store, so that restarts and deployments do
// not hand out a fresh allowance.
//
// It sits in a route's chain after authentication and the rate limiter:
// keys are authenticated consumers, never client-supplied values. The threat
// is cost abuse spread thin enough to pass every rate limit.
//
// Counting happens in memory and is written to the store as deltas every
// FlushInterval; a node loads a key's persisted count the first time it sees
// the key in a period, and reloads the totals of the keys it flushes, so a
// busy key's count on nodes sharing a store converges within about one flush
// interval (until then a cluster can overshoot by what the other nodes took
// meanwhile).
package quota
