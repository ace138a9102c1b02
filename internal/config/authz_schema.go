package config

// The authorization parts of a route. Docs: docs/authorization.md.

type ownerRuleConfig struct {
	ID     *string `yaml:"id"`
	Param  *string `yaml:"param"`
	Query  *string `yaml:"query"`
	Body   *string `yaml:"body"`
	Header *string `yaml:"header"`
	// GraphQLField (Type.field) and Argument: the id is a GraphQL field's argument.
	GraphQLField *string `yaml:"graphql_field"`
	Argument     *string `yaml:"argument"`
	Equals       *string `yaml:"equals"`
	Object       *string `yaml:"object"`
	Hide         *bool   `yaml:"hide"`
	Unknown      *string `yaml:"unknown"`
}

type recordsOwnerConfig struct {
	Object *string `yaml:"object"`
	From   *string `yaml:"from"`
	Owner  *string `yaml:"owner"`
}

type filterListConfig struct {
	Array      *string `yaml:"array"`
	OwnerField *string `yaml:"owner_field"`
	Equals     *string `yaml:"equals"`
}

type enumerationConfig struct {
	Window           *Duration `yaml:"window"`
	MaxDistinct      *int      `yaml:"max_distinct"`
	MinRequests      *int      `yaml:"min_requests"`
	MaxDeniedPercent *int      `yaml:"max_denied_percent"`
	Sequential       *int      `yaml:"sequential"`
	BlockFor         *Duration `yaml:"block_for"`
}
