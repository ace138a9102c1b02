package limits

import "time"

// Rate is N requests per Per.
type Rate struct {
	N   int
	Per time.Duration
}

// RateLimit is one limit of a route (docs/rate-limiting.md).
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

// Shield is the per-client-IP limit applied before authentication.
type Shield struct {
	Rate  Rate // zero N: no shield
	Burst int
	// IPv6Prefix groups IPv6 clients (default /64): one subscriber, one bucket.
	IPv6Prefix int
}
