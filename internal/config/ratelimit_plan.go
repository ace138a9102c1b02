package config

import "github.com/bulwark-gw/bulwark/internal/ratelimit/limits"

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
