// Package graphql is Bulwark's GraphQL guard: it parses and validates every
// operation against the upstream's schema (github.com/vektah/gqlparser/v2),
// enforces structural limits (tokens, nesting, depth, aliases, root fields,
// directives, fragments, batch size, request size) before full validation,
// computes a static cost, checks field-level authorization and introspection,
// and applies a persisted-operation allow-list or learns one. Refusals are
// GraphQL-shaped ({"errors":[{"message":…,"extensions":{"code":…}}]}).
//
// The package is whole on its own: Options are its typed configuration, New
// builds a Guard from them, and Guard.Check decides one HTTP request.
// Guard.Admit runs it on the request's exchange (cost, fields left out and
// the argument document for inspection go on the exchange), Guard.Response
// cleans the upstream's errors, and Shape renders any guard's refusal in
// GraphQL's error shape. The gateway only wires it into the request chain
// and charges the cost to the limits. Docs: docs/graphql.md.
package graphql

// Options configure one Guard. The zero value of a limit means its default
// (see DefaultLimits); a negative limit switches that limit off.
type Options struct {
	// Schema is the upstream's schema in SDL. Required.
	Schema string
	// SchemaName names the schema in errors (the file it came from).
	SchemaName string
	// Introspect says the schema is to be fetched from the upstream (see
	// Introspect) by whoever builds the guard, before New.
	Introspect bool
	Limits     Limits
	Cost       Cost
	// IntrospectionRoles may query __schema and __type; nobody else can.
	IntrospectionRoles []string
	// Fields are field rules by "Type.field"; the schema's @authorize
	// directive adds more (the config's rule wins for the same field).
	Fields map[string]FieldRule
	// OnDeniedField is what a field the caller may not read does: "refuse"
	// (default) refuses the whole request; "null" skips the field (the
	// upstream is sent the operation with @skip(if: true) on it) and answers
	// null in its place with an error whose path names it, as the GraphQL
	// spec has a field error (a null in a non-null field nulls its nullable
	// parent); "omit" skips it the same way but leaves it absent from the
	// answer, with one error naming it and no path.
	OnDeniedField string
	// Persisted is the persisted-operation mode.
	Persisted Persisted
	// OnLearn, when set, is called the first time learning mode sees an
	// operation hash, with the operation's text (not under any lock the
	// caller could hold).
	OnLearn func(hash, operationName, query string)
	// ReadArgs makes Admit leave a reader of the request's arguments on the
	// exchange (x.GraphQL): the route has ownership rules on a field argument.
	ReadArgs bool
	// Consumers override the limits and the maximum cost for one caller,
	// by the principal's consumer (an API key's consumer, a token's azp or
	// client_id) or, when no entry names the consumer, its subject. A zero
	// field keeps the guard's value.
	Consumers map[string]Override
}

// Override is one consumer's limits and maximum cost.
type Override struct {
	Limits  Limits
	MaxCost int // 0 keeps the guard's; negative means no limit
}

// Limits bound a request before the schema is consulted.
type Limits struct {
	MaxDepth      int   // nesting of fields in an operation (root fields are depth 1)
	MaxAliases    int   // aliased fields in a document
	MaxRootFields int   // fields at the root of the executed operation
	MaxTokens     int   // lexical tokens of a document
	MaxDirectives int   // directive uses in a document
	MaxFragments  int   // fragment definitions in a document
	MaxBatch      int   // operations in one batched request (1 forbids batching)
	MaxBytes      int64 // request body (or query string) bytes
}

// DefaultLimits are the limits a zero Limits field takes, in the spirit of
// graphql-armor's defaults (aliases 15, tokens 1000, directives 50); depth is
// 10 rather than 6 because the connection pattern (edges { node { … } })
// spends two levels per hop.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 10, MaxAliases: 15, MaxRootFields: 20, MaxTokens: 1000, MaxDirectives: 50,
		MaxFragments: 50, MaxBatch: 10, MaxBytes: 64 << 10}
}

// Cost is the static cost analysis. A field costs its weight plus, for a
// composite field, its children's cost times its list size (1 for a field
// that is not a list). The list size is the value of the first list-size
// argument present (literal or variable), else DefaultListSize.
type Cost struct {
	// MaxCost refuses an operation (or batch) costing more; 0 means 5000,
	// negative means no limit.
	MaxCost int
	// DefaultListSize is the size assumed for a list without a size
	// argument; 0 means 10.
	DefaultListSize int
	// ListSizeArgs name the arguments that bound a list; nil means
	// first, last, limit.
	ListSizeArgs []string
	// Weights are per-field weights by "Type.field"; the schema's
	// @cost(weight:) directive adds more (the config wins). A field without
	// one weighs 1 when composite and 0 when a scalar or enum.
	Weights map[string]int
}

// FieldRule restricts one field: the caller needs every scope in Scopes and,
// when Roles is not empty, at least one of Roles.
type FieldRule struct {
	Roles  []string
	Scopes []string
}

// Persisted is the persisted-operation mode.
type Persisted struct {
	// Mode is "off", "allow" (only registered operations run) or "learn"
	// (every operation runs and each new hash is recorded).
	Mode string
	// Operations are the registered operations: sha256 hex of the query
	// text → the text. A request may send only the hash (Apollo's
	// extensions.persistedQuery.sha256Hash) when the text is known here.
	Operations map[string]string
	// Hashes are registered hashes without text: such operations run only
	// when the request carries the matching text.
	Hashes []string
	// Store says the gateway keeps learned operations in its store and
	// adds the hashes registered there (through the admin API) to Hashes
	// and Operations; a change there applies at the next reload or
	// registration.
	Store bool
}

// Caller is who sends the request, as the gateway authenticated them.
type Caller struct {
	Roles  []string
	Scopes []string
	// Consumer and Subject select a per-consumer Override.
	Consumer string
	Subject  string
}

func (o Options) limits() Limits { return mergeLimits(o.Limits, DefaultLimits()) }

// mergeLimits resolves l over d: a zero field takes d's, a negative one is
// no limit.
func mergeLimits(l, d Limits) Limits {
	pick := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return int(^uint(0) >> 1)
		}
		return v
	}
	l.MaxDepth = pick(l.MaxDepth, d.MaxDepth)
	l.MaxAliases = pick(l.MaxAliases, d.MaxAliases)
	l.MaxRootFields = pick(l.MaxRootFields, d.MaxRootFields)
	l.MaxTokens = pick(l.MaxTokens, d.MaxTokens)
	l.MaxDirectives = pick(l.MaxDirectives, d.MaxDirectives)
	l.MaxFragments = pick(l.MaxFragments, d.MaxFragments)
	l.MaxBatch = pick(l.MaxBatch, d.MaxBatch)
	switch {
	case l.MaxBytes == 0:
		l.MaxBytes = d.MaxBytes
	case l.MaxBytes < 0:
		l.MaxBytes = 1<<63 - 1
	}
	return l
}
