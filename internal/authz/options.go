package authz

import (
	"slices"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonfields"
)

// Options are a route's authorization settings: who may call it and on which
// objects. internal/config decodes a route's YAML into them (docs:
// docs/authorization.md); the zero value authorizes nothing beyond scopes.
type Options struct {
	// Roles the principal must hold: any of them, or all when RolesAll.
	Roles    []string
	RolesAll bool
	// ScopesAny makes the route's scopes any-of instead of all-of.
	ScopesAny bool
	// Admin marks an administrative route: closed to anyone without one of
	// identity.admin_roles (broken function-level authorization).
	Admin bool
	// Owner rules must all pass (BOLA).
	Owner []OwnerRule
	// OwnerExemptRoles skip the owner rules (an admin reading any order).
	OwnerExemptRoles []string
	// RecordsOwner learns ownership when this (create) route succeeds.
	RecordsOwner *RecordsOwner
	// FilterList cuts a list response to the caller's own items.
	FilterList *FilterList
	// ReadonlyFields the caller may not set in a request body (mass assignment).
	ReadonlyFields []string
	// OnReadonly is reject (422) or strip.
	OnReadonly string
	// Enumeration detects id walking on this route; nil for none.
	Enumeration *Enumeration
	// Policy is a CEL expression that must be true; "" for none.
	Policy string
}

// OwnerRule ties an object id in the request to the principal.
type OwnerRule struct {
	ID     string // rule id recorded in audit events
	Source string // param | query | body | header | graphql
	Name   string // path parameter, query or header name, body path, or GraphQL Type.field
	// Arg is the GraphQL field argument that carries the id (Source graphql).
	Arg string
	// Equals names the principal value the id must equal: sub, consumer or
	// claim:NAME. Empty when Object is set.
	Equals string
	// Object is the object type whose ownership record must name the caller.
	Object string
	// Hide answers 404 instead of 403, so ids of others' objects stay secret.
	Hide bool
	// AllowUnknown lets through objects with no ownership record (legacy data).
	AllowUnknown bool
}

// RecordsOwner records (object, id) → owner when a create route succeeds.
type RecordsOwner struct {
	Object string
	From   string // response:<path> or location
	Owner  string // sub | consumer | claim:NAME
}

// FilterList keeps only the caller's items of a list response.
type FilterList struct {
	Array      string // JSON pointer to the array ("" = the whole body)
	OwnerField string // field of each item naming its owner
	Equals     string // sub | consumer | claim:NAME
}

// Enumeration configures the id-walking detector of a route.
type Enumeration struct {
	Window           time.Duration
	MaxDistinct      int
	MinRequests      int
	MaxDeniedPercent int
	Sequential       int
	BlockFor         time.Duration
}

// Active reports whether o configures any authorization beyond scopes: a
// route whose options are not active needs no Guard.
func (o *Options) Active() bool {
	return len(o.Roles) > 0 || o.Admin || len(o.Owner) > 0 || o.RecordsOwner != nil || o.FilterList != nil ||
		len(o.ReadonlyFields) > 0 || o.Enumeration != nil || o.Policy != ""
}

// NeedsCaller reports whether o's rules compare with the caller, so an
// anonymous request cannot be decided: an anonymous caller holds no role and
// owns nothing. Config refuses such rules on a route that lets anonymous
// callers through; Check refuses the request regardless.
func (o *Options) NeedsCaller() bool {
	return len(o.Roles) > 0 || o.Admin || len(o.Owner) > 0 || o.RecordsOwner != nil || o.FilterList != nil
}

// WithReadOnly returns o with fields, an API document's readOnly request
// properties as JSON pointers or names, added to its write-protected fields:
// a client may not set what the contract says it only reads.
func (o Options) WithReadOnly(fields []string) Options {
	if len(fields) == 0 {
		return o
	}
	extra := make([]string, len(fields))
	for i, f := range fields {
		extra[i] = anchorField(f)
	}
	o.ReadonlyFields = append(slices.Clone(o.ReadonlyFields), extra...)
	return o
}

// anchorField keeps a field the document names where the document puts it: a
// top-level readOnly property "id" must not refuse an "id" nested in another
// object, as the bare name of a configured readonly_fields entry would
// (jsonfields.CompileField), so a single name becomes its JSON pointer.
func anchorField(f string) string {
	p, err := jsonfields.Compile(f)
	if err != nil || strings.HasPrefix(f, "/") {
		return f // a bad path fails again, with its message, in New
	}
	segs := p.Segments()
	if len(segs) != 1 || segs[0].Any {
		return f
	}
	return "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(segs[0].Name)
}
