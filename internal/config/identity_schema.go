package config

// The identity section of the file: how callers authenticate. Docs for each field
// live in docs/authentication.md and docs/configuration.md.

type identityConfig struct {
	APIKeys       *apiKeysConfig        `yaml:"api_keys"`
	JWT           []jwtConfig           `yaml:"jwt"`
	Introspection []introspectionConfig `yaml:"introspection"`
	Headers       *principalHeaders     `yaml:"principal_headers"`
	AdminRoles    []string              `yaml:"admin_roles"`
}

type apiKeysConfig struct {
	Header   *string   `yaml:"header"`
	Pepper   *Secret   `yaml:"pepper"`
	CacheTTL *Duration `yaml:"cache_ttl"`
}

type jwtConfig struct {
	Name               *string   `yaml:"name"`
	Issuer             *string   `yaml:"issuer"`
	JWKSURL            *string   `yaml:"jwks_url"`
	DiscoveryURL       *string   `yaml:"discovery_url"`
	Keys               []string  `yaml:"keys"`
	Audiences          []string  `yaml:"audiences"`
	AudienceMatch      *string   `yaml:"audience_match"`
	Algorithms         []string  `yaml:"algorithms"`
	Leeway             *Duration `yaml:"leeway"`
	RequiredClaims     []string  `yaml:"required_claims"`
	Types              []string  `yaml:"types"`
	MaxTokenSize       *Size     `yaml:"max_token_size"`
	RefreshInterval    *Duration `yaml:"jwks_refresh"`
	MinRefetchInterval *Duration `yaml:"jwks_min_refetch"`
	SubjectClaim       *string   `yaml:"subject_claim"`
	ConsumerClaim      *string   `yaml:"consumer_claim"`
	ScopeClaim         *string   `yaml:"scope_claim"`
	RoleClaims         []string  `yaml:"role_claims"`
}

type introspectionConfig struct {
	Name          *string   `yaml:"name"`
	URL           *string   `yaml:"url"`
	ClientID      *string   `yaml:"client_id"`
	ClientSecret  *Secret   `yaml:"client_secret"`
	AuthMethod    *string   `yaml:"auth_method"`
	Timeout       *Duration `yaml:"timeout"`
	CacheTTL      *Duration `yaml:"cache_ttl"`
	Issuer        *string   `yaml:"issuer"`
	Audiences     []string  `yaml:"audiences"`
	SubjectClaim  *string   `yaml:"subject_claim"`
	ConsumerClaim *string   `yaml:"consumer_claim"`
	RoleClaims    []string  `yaml:"role_claims"`
}

type principalHeaders struct {
	Subject  *string `yaml:"subject"`
	Consumer *string `yaml:"consumer"`
	Scopes   *string `yaml:"scopes"`
	Roles    *string `yaml:"roles"`
	Method   *string `yaml:"method"`
}
