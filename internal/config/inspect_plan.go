package config

import "github.com/bulwark-gw/bulwark/internal/inspect"

// Inspect is a route's injection detection (its own settings over its
// API's), as the guard defines it: inspect.Options.
type Inspect = inspect.Options

// InspectExclusion skips Detectors (all when empty) on Field, a location and
// a dotted path: query.q, path.id, cookie.prefs, header.x-sql, form.comment,
// body.items.*.note, body.script.** . With Operators it skips no detector:
// those NoSQL operators pass on Field, every other finding there stands
// (inspect.Exclusion).
type InspectExclusion = inspect.Exclusion

// Validation checks requests against the API's OpenAPI document
// (inspect.ValidationOptions).
type Validation = inspect.ValidationOptions

// WAF is the optional Coraza + OWASP CRS engine (inspect.WAFOptions).
type WAF = inspect.WAFOptions
