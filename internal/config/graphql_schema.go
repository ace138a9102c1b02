package config

// GraphQL guard of a route, and an API's defaults for its GraphQL routes.
// Docs: docs/graphql.md.

type graphqlConfig struct {
	// Schema is the upstream's schema in SDL, written inline; SchemaFile
	// names a file instead (one of the two is required).
	Schema     *string `yaml:"schema"`
	SchemaFile *string `yaml:"schema_file"`
	// Introspect fetches the schema from the upstream at start and reload.
	Introspect         *bool                         `yaml:"introspect"`
	Limits             *graphqlLimitsConfig          `yaml:"limits"`
	Cost               *graphqlCostConfig            `yaml:"cost"`
	IntrospectionRoles []string                      `yaml:"introspection_roles"`
	Fields             map[string]graphqlFieldConfig `yaml:"fields"`
	OnDeniedField      *string                       `yaml:"on_denied_field"`
	Persisted          *graphqlPersistedConfig       `yaml:"persisted"`
	// Consumers override max_cost and limits for one consumer (or subject).
	Consumers map[string]graphqlConsumerConfig `yaml:"consumers"`
}

type graphqlConsumerConfig struct {
	MaxCost *int                 `yaml:"max_cost"`
	Limits  *graphqlLimitsConfig `yaml:"limits"`
}

type graphqlLimitsConfig struct {
	MaxDepth      *int  `yaml:"max_depth"`
	MaxAliases    *int  `yaml:"max_aliases"`
	MaxRootFields *int  `yaml:"max_root_fields"`
	MaxTokens     *int  `yaml:"max_tokens"`
	MaxDirectives *int  `yaml:"max_directives"`
	MaxFragments  *int  `yaml:"max_fragments"`
	MaxBatch      *int  `yaml:"max_batch"`
	MaxBytes      *Size `yaml:"max_bytes"`
}

type graphqlCostConfig struct {
	MaxCost         *int           `yaml:"max_cost"`
	DefaultListSize *int           `yaml:"default_list_size"`
	ListSizeArgs    []string       `yaml:"list_size_args"`
	Weights         map[string]int `yaml:"weights"`
}

type graphqlFieldConfig struct {
	Roles  []string `yaml:"roles"`
	Scopes []string `yaml:"scopes"`
}

type graphqlPersistedConfig struct {
	Mode *string `yaml:"mode"`
	// Manifest is a JSON file of registered operations: an object of
	// sha256 → text, or Apollo's persisted query manifest.
	Manifest *string  `yaml:"manifest"`
	Hashes   []string `yaml:"hashes"`
	// Store keeps learned operations in the store and lets the admin API
	// register hashes there.
	Store *bool `yaml:"store"`
}
