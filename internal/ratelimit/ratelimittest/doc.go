// Package ratelimittest is the conformance suite every ratelimit.Limiter
// backend runs, so the memory and Redis limiters answer alike.
//
// On a fake clock (the memory backend) every case runs and durations are
// checked exactly. With ServerClock (the Redis backend, which reads the Redis
// server's clock and ignores the suite's) only the cases marked "both" run:
// they use limits slow enough (per hour or per day) that the milliseconds a
// test takes do not change counts, check durations within generous bounds,
// and wait in real time only where a case must see time pass (at most about
// 100ms). The list of cases and where each runs is in Run's source.
package ratelimittest
