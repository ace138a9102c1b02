package config

import (
	"time"

	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/proxy"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
	"github.com/bulwark-gw/bulwark/internal/tracing"
)

// Plan is a validated configuration with every default applied and limits
// merged per route. It is what the gateway is built from. A Plan is never
// modified after Load or Parse returns it: treat it as read-only (a reload
// builds a new Plan). It shares no slices with anything else.
type Plan struct {
	// Source is the config file the plan was read from.
	Source  string
	Server  Server
	Admin   Admin
	Metrics Metrics
	// Store is the store DSN with references expanded: "sqlite:PATH" (PATH
	// resolved against the config file's directory) or "postgres://…".
	Store    string
	Audit    Audit
	Log      Log
	Identity Identity
	OAuth    *OAuth `json:",omitempty"` // the built-in authorization server; nil when not configured
	Cluster  Cluster
	// Tracing is the OpenTelemetry export of the request path; off when Endpoint is "".
	Tracing tracing.Config
	APIs    []API
	// Files are every file Load read to build the plan: the config file first,
	// then ${file:...} references and OpenAPI documents. A change to any of
	// them reloads the config. Empty for plans from Parse.
	Files []string
}

// Values of Server.Engine.
const (
	EngineBulwark = "bulwark"
	EngineNetHTTP = "net/http"
)

// Server configures the proxy listener.
type Server struct {
	// Listen is the proxy's address, host:port.
	Listen string
	// TLSCert and TLSKey are the certificate and key files, resolved against
	// the config file's directory; both empty means plain HTTP.
	TLSCert, TLSKey string
	// H2C enables HTTP/2 over cleartext connections.
	H2C bool
	// Engine serves the plain-text proxy listener: EngineBulwark (Bulwark's
	// own HTTP/1.x loop, internal/h1serve) or EngineNetHTTP (net/http's
	// server). TLS and h2c listeners are always served by net/http.
	Engine string
	// TrustedProxies are canonical CIDR prefixes ("10.0.0.0/8",
	// "127.0.0.1/32") whose forwarding headers are believed.
	TrustedProxies    []string
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	// WriteTimeout 0 means none (streaming responses).
	WriteTimeout    time.Duration
	ShutdownGrace   time.Duration
	Shield          limits.Shield
	SecurityHeaders SecurityHeaders
	// HealthPath, when set, is answered on the proxy listener (GET/HEAD, 200,
	// before routing) for load balancers that can only probe the traffic
	// port; "" for none. It says the process serves, not that it is ready.
	HealthPath string
}

// Admin configures the admin API listener.
type Admin struct {
	// Listen is the admin address; "" means the admin API is disabled.
	Listen string
	// Token is the resolved admin bearer token (never logged).
	Token string
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Path is the metrics path, served on the admin listener without the
	// token unless Listen is set.
	Path string
	// Listen is an optional dedicated metrics listener.
	Listen string
}

// Audit configures audit event sinks.
type Audit struct {
	Stdout bool
	// File is the JSON-lines file to append to, resolved against the config
	// file's directory; "" means none.
	File      string
	Store     bool
	QueueSize int
	// Overflow is "drop" or "block": what happens when the queue is full.
	Overflow     string
	BlockTimeout time.Duration
	// Retention is how long events are kept in the store; 0 keeps them.
	Retention time.Duration
	Tiers     AuditTiers
	// MaxSize bounds the store's audit data in bytes; 0 is no bound.
	MaxSize int64
	// RollupRetention is how long rollups and refusal summaries are kept; 0 keeps them.
	RollupRetention time.Duration
	// MinFreeSpace is the free-space floor below which the SQLite store refuses audit writes.
	MinFreeSpace int64
	// PruneInterval is how often the store is held to its bounds.
	PruneInterval time.Duration
	// OnFailure is "open" (keep serving while a sink fails) or "block" (503).
	OnFailure string
	// WaitForStore answers a request only once its event is in the store.
	WaitForStore bool
	Rotation     AuditRotation
	Export       AuditExport
}

// Log configures the process log.
type Log struct {
	// Level is debug, info, warn or error.
	Level string
}

// API is one protected backend with its routes.
type API struct {
	Name string
	// Hosts are lower-case host patterns ("api.example.com",
	// "*.example.com"); empty means any host.
	Hosts    []string
	Upstream Upstream
	// OpenAPI is the attached document's path, resolved against the config
	// file's directory; "" for none.
	OpenAPI string
	Routes  []Route
}

// Route is one declared endpoint of an API.
type Route struct {
	// Name defaults to the match string.
	Name string
	// Host is "" (every host of the API) or one of the API's host patterns.
	Host string
	// Methods are upper-case; empty means any method.
	Methods []string
	// Path is the path template, checked by route.ParseTemplate.
	Path string
	// Limits are the effective limits: route > API > top level > defaults.
	Limits Limits
	// Line is the route's line in the config file.
	Line int
	// Auth lists the authentication methods tried in order (api_key, jwt,
	// jwt:NAME, introspection, introspection:NAME); "none" allows callers
	// without credentials. Never empty in a valid plan.
	Auth []string
	// Scopes must all be held by the principal (checked on every request).
	Scopes []string
	// KeepCredential passes the raw credential to the upstream.
	KeepCredential bool
	// DataCategories are the kinds of user data the route reads (oauth.go
	// checks them); the connected-apps page shows them per app.
	DataCategories []string
	// RateLimits are the route's limits (its own, else the API's).
	RateLimits []limits.RateLimit
	// Quota is the route's quota (its own, else the API's); nil for none.
	Quota *limits.Quota
	// BruteForce protects a login route; nil for none.
	BruteForce *bruteforce.Options
	// Authz is the route's authorization (roles, ownership, fields, policy).
	Authz authz.Options
	// Response is the route's response guards (its own over its API's).
	Response Response
	// Validation checks requests against the API's OpenAPI document.
	Validation Validation
	// Inspect is the route's injection detection.
	Inspect Inspect
	// WAF is the optional Coraza + OWASP CRS engine.
	WAF WAF
	// GraphQL is the route's GraphQL guard; nil when the route is not GraphQL.
	GraphQL *graphql.Options
	// CORS is the route's cross-origin guard (its own section, else its
	// API's); nil for none.
	CORS *cors.Options
}

// Limits are the request hygiene limits of one route: hygiene's own options
// (internal/hygiene). JSONDuplicateKeys is JSONDupGuarded or JSONDupReject;
// JSONUniqueKeys is left to the gateway, which knows the route's guards.
type Limits = hygiene.Limits

// Upstream is where an API's requests go: the proxy's own options
// (internal/proxy); Name is left to the gateway.
type Upstream = proxy.Config
