package config

import "github.com/bulwark-gw/bulwark/internal/filter"

// Response is a route's response guards (excessive data exposure), as the
// guard defines them: filter.Options.
type Response = filter.Options

// View is a set of extra fields for some roles (filter.View).
type View = filter.View

// SecurityHeaders are set on every response; Server and X-Powered-By are
// always removed (filter.SecurityHeaders).
type SecurityHeaders = filter.SecurityHeaders
