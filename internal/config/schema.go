package config

import (
	"reflect"

	"go.yaml.in/yaml/v3"
)

// The structs in this file mirror the YAML file one to one. Every scalar is
// a pointer so that an absent field (take the default) differs from a zero
// one. Docs for each field live in docs/configuration.md.

type fileConfig struct {
	Server   *serverConfig   `yaml:"server"`
	Admin    *adminConfig    `yaml:"admin"`
	Metrics  *metricsConfig  `yaml:"metrics"`
	Store    *string         `yaml:"store"`
	Audit    *auditConfig    `yaml:"audit"`
	Log      *logConfig      `yaml:"log"`
	Limits   *limitsConfig   `yaml:"limits"`
	Identity *identityConfig `yaml:"identity"`
	OAuth    *oauthConfig    `yaml:"oauth"`
	Cluster  *clusterConfig  `yaml:"cluster"`
	Tracing  *tracingConfig  `yaml:"tracing"`
	APIs     []apiConfig     `yaml:"apis"`
}

type serverConfig struct {
	Listen            *string    `yaml:"listen"`
	TLS               *tlsConfig `yaml:"tls"`
	H2C               *bool      `yaml:"h2c"`
	Engine            *string    `yaml:"engine"`
	TrustedProxies    []string   `yaml:"trusted_proxies"`
	ReadHeaderTimeout *Duration  `yaml:"read_header_timeout"`
	IdleTimeout       *Duration  `yaml:"idle_timeout"`
	WriteTimeout      *Duration  `yaml:"write_timeout"`
	ShutdownGrace     *Duration  `yaml:"shutdown_grace"`
	// Shield is the per-client-IP limit applied before authentication.
	Shield          *shieldConfig          `yaml:"shield"`
	IPv6Prefix      *int                   `yaml:"ipv6_prefix"`
	SecurityHeaders *securityHeadersConfig `yaml:"security_headers"`
	// HealthPath answers a liveness probe on the proxy listener.
	HealthPath *string `yaml:"health_path"`
}

type tlsConfig struct {
	CertFile *string `yaml:"cert_file"`
	KeyFile  *string `yaml:"key_file"`
}

type adminConfig struct {
	Listen *string `yaml:"listen"`
	Token  *Secret `yaml:"token"`
}

type metricsConfig struct {
	Path   *string `yaml:"path"`
	Listen *string `yaml:"listen"`
}

type auditConfig struct {
	Stdout       *bool     `yaml:"stdout"`
	File         *string   `yaml:"file"`
	Store        *bool     `yaml:"store"`
	QueueSize    *int      `yaml:"queue_size"`
	Overflow     *string   `yaml:"overflow"`
	BlockTimeout *Duration `yaml:"block_timeout"`
	Retention    *Duration `yaml:"retention"`
	// Tiers, bounds, failure, rotation and export: audit.go.
	Tiers           *auditTiersConfig    `yaml:"tiers"`
	MaxSize         *Size                `yaml:"max_size"`
	RollupRetention *Duration            `yaml:"rollup_retention"`
	MinFreeSpace    *Size                `yaml:"min_free_space"`
	PruneInterval   *Duration            `yaml:"prune_interval"`
	OnFailure       *string              `yaml:"on_failure"`
	WaitForStore    *bool                `yaml:"wait_for_store"`
	Rotation        *auditRotationConfig `yaml:"rotation"`
	Export          *auditExportConfig   `yaml:"export"`
}

type logConfig struct {
	Level *string `yaml:"level"`
}

type limitsConfig struct {
	MaxHeaderBytes  *Size     `yaml:"max_header_bytes"`
	MaxHeaderCount  *int      `yaml:"max_header_count"`
	MaxBody         *Size     `yaml:"max_body"`
	ReadBodyTimeout *Duration `yaml:"read_body_timeout"`
	JSONMaxDepth    *int      `yaml:"json_max_depth"`
	JSONMaxBytes    *Size     `yaml:"json_max_bytes"`
	JSONDupKeys     *string   `yaml:"json_duplicate_keys"`
	ContentTypes    []string  `yaml:"content_types"`
	// KeepOverrideHeaders forwards these method/URL override headers.
	KeepOverrideHeaders []string `yaml:"keep_override_headers"`
}

type apiConfig struct {
	Name       *string           `yaml:"name"`
	Hosts      []string          `yaml:"hosts"`
	Upstream   *upstreamConfig   `yaml:"upstream"`
	Limits     *limitsConfig     `yaml:"limits"`
	Auth       []string          `yaml:"auth"`
	RateLimits []rateLimitConfig `yaml:"rate_limits"`
	Quota      *quotaConfig      `yaml:"quota"`
	OpenAPI    *string           `yaml:"openapi"`
	Response   *responseConfig   `yaml:"response"`
	Validation *validationConfig `yaml:"validation"`
	Inspect    *inspectConfig    `yaml:"inspect"`
	WAF        *wafConfig        `yaml:"waf"`
	CORS       *corsConfig       `yaml:"cors"`
	GraphQL    *graphqlConfig    `yaml:"graphql"`
	Routes     []routeConfig     `yaml:"routes"`
}

// upstreamConfig is written either as one target URL or as an object.
type upstreamConfig struct {
	Targets      []string        `yaml:"targets"`
	Timeouts     *timeoutsConfig `yaml:"timeouts"`
	Health       *healthConfig   `yaml:"health"`
	Passive      *passiveConfig  `yaml:"passive"`
	PreserveHost *bool           `yaml:"preserve_host"`
	TLS          *upstreamTLS    `yaml:"tls"`
	shorthand    bool            // written as a single URL string
}

type timeoutsConfig struct {
	Dial           *Duration `yaml:"dial"`
	ResponseHeader *Duration `yaml:"response_header"`
	Request        *Duration `yaml:"request"`
}

type healthConfig struct {
	Path               *string   `yaml:"path"`
	Interval           *Duration `yaml:"interval"`
	Timeout            *Duration `yaml:"timeout"`
	HealthyThreshold   *int      `yaml:"healthy_threshold"`
	UnhealthyThreshold *int      `yaml:"unhealthy_threshold"`
}

type passiveConfig struct {
	MaxFails *int      `yaml:"max_fails"`
	Window   *Duration `yaml:"window"`
	EjectFor *Duration `yaml:"eject_for"`
}

type upstreamTLS struct {
	InsecureSkipVerify *bool   `yaml:"insecure_skip_verify"`
	CAFile             *string `yaml:"ca_file"`
}

type routeConfig struct {
	Match   *string       `yaml:"match"`
	Name    *string       `yaml:"name"`
	Methods []string      `yaml:"methods"`
	Host    *string       `yaml:"host"`
	Limits  *limitsConfig `yaml:"limits"`
	// Auth overrides the API's auth list for this route.
	Auth           []string `yaml:"auth"`
	Scopes         []string `yaml:"scopes"`
	KeepCredential *bool    `yaml:"keep_credential"`
	// DataCategories name what the route reads, for the connected-apps page (oauth.go).
	DataCategories []string `yaml:"data_categories"`
	// RateLimits replaces the API's list for this route.
	RateLimits []rateLimitConfig `yaml:"rate_limits"`
	Quota      *quotaConfig      `yaml:"quota"`
	BruteForce *bruteForceConfig `yaml:"brute_force"`

	Roles            []string            `yaml:"roles"`
	RolesMatch       *string             `yaml:"roles_match"`
	ScopesMatch      *string             `yaml:"scopes_match"`
	Admin            *bool               `yaml:"admin"`
	Owner            []ownerRuleConfig   `yaml:"owner"`
	OwnerExemptRoles []string            `yaml:"owner_exempt_roles"`
	RecordsOwner     *recordsOwnerConfig `yaml:"records_owner"`
	FilterList       *filterListConfig   `yaml:"filter_list"`
	ReadonlyFields   []string            `yaml:"readonly_fields"`
	OnReadonly       *string             `yaml:"on_readonly"`
	Enumeration      *enumerationConfig  `yaml:"enumeration"`
	Policy           *string             `yaml:"policy"`
	Response         *responseConfig     `yaml:"response"`
	Validation       *validationConfig   `yaml:"validation"`
	Inspect          *inspectConfig      `yaml:"inspect"`
	WAF              *wafConfig          `yaml:"waf"`
	GraphQL          *graphqlConfig      `yaml:"graphql"`
	CORS             *corsConfig         `yaml:"cors"`
}

var _ nodeDecoder = (*upstreamConfig)(nil)

// decodeNode accepts the shorthand "upstream: http://host:port" as well as
// the object form.
func (u *upstreamConfig) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode {
		u.shorthand = true
		u.Targets = make([]string, 1)
		e, ok := d.scalar(n, path, "a URL or a mapping")
		if ok {
			u.Targets[0] = e.value
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		d.nodeError(n, path, "expected a URL or a mapping, got %s", describe(n))
		return
	}
	d.decodeStruct(n, path, reflect.ValueOf(u).Elem())
}
