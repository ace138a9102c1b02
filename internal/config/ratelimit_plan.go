package config

import (
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
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

// Shield is the per-client-IP limit applied before authentication.
type Shield struct {
	Rate  Rate // zero N: no shield
	Burst int
	// IPv6Prefix groups IPv6 clients (default /64): one subscriber, one bucket.
	IPv6Prefix int
}

// RateLimit is one limit of a route.
type RateLimit struct {
	// ID names the limit uniquely in the plan (api/route#index); counter keys
	// and the RateLimit-Policy header use it.
	ID string
	// By lists what identifies a bucket: consumer, api_key, subject, ip, route,
	// header:NAME, claim:NAME; several combine.
	By             []string
	Rate           Rate
	Burst          int
	Algorithm      string // gcra | sliding_window
	Mode           string // reject | throttle
	MaxDelay       time.Duration
	OnRedisFailure string // local | closed | open
	// Cost is what one request spends: CostRequest (1) or CostGraphQL (the
	// operation's computed cost, on a GraphQL route).
	Cost string
}

// Quota caps a consumer's requests per calendar day or month.
type Quota struct {
	ID       string
	By       string // consumer, subject, api_key or ip
	Limit    int64
	Period   string // day | month
	Timezone string // IANA name, validated
	// Cost is what one request spends: CostRequest (1) or CostGraphQL.
	Cost string
}

// What a request spends from a rate limit or quota.
const (
	CostRequest = "request" // 1 per request
	// CostGraphQL is the GraphQL operation's computed cost (at least 1) on a
	// GraphQL route; 1 on a route without a graphql block.
	CostGraphQL = "graphql"
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
