package config

import "time"

// Authz is a route's authorization: who may call it and on which objects.
type Authz struct {
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
	Source string // param | query | body | header
	Name   string // path parameter, query or header name, or body path
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
