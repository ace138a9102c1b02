package config

import (
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
)

// Cluster configures what several Bulwark nodes share.
type Cluster struct {
	// Redis is the resolved Redis URL ("" = counters live in process memory).
	Redis string
	// Secret keys the HMAC that hides usernames in shared counter keys.
	Secret string
	// OnRedisFailure is the default failure mode of limits: local, closed or open.
	OnRedisFailure string
	// LocalBatch > 1 lets a node take that many units from Redis at once and
	// serve them locally (for very high limits; may under-admit slightly).
	LocalBatch int
}

// What a request spends from a rate limit or quota: the units are the
// guard's (limits.CostRequest, limits.CostGraphQL).
const (
	CostRequest = limits.CostRequest
	CostGraphQL = limits.CostGraphQL
)

// BruteForce protects a login route.
type BruteForce struct {
	UsernameField string // JSON or form field holding the username
	// UsernameNormalize says which username variants are one account.
	UsernameNormalize bruteforce.Normalization
	FailureStatuses   []int // upstream statuses that count as a failed login
	MaxFailures       int   // per username, attempts in flight included
	IPMaxFailures     int   // per client IP over every username; 0: the IP is not counted
	Window            time.Duration
	Lockout           time.Duration
	DelayAfter        int
	IPDelayAfter      int
	BaseDelay         time.Duration
	MaxDelay          time.Duration
	// AttemptTimeout is how long an attempt may stay in flight; one whose
	// answer was not seen by then counts as a failure.
	AttemptTimeout time.Duration
}
