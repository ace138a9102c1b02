package authz

// ForRoute builds a route's authorization guard from its options with
// readOnly, the route's readOnly request properties in the API's document
// (openapi.Doc.RouteReadOnly), joined to its write-protected fields
// (WithReadOnly). It returns nil (and no error) when the options configure
// nothing beyond scopes.
func ForRoute(o Options, readOnly []string, d Deps) (*Guard, error) {
	o = o.WithReadOnly(readOnly)
	if !o.Active() {
		return nil, nil
	}
	return New(o, d)
}

// RecordsFrom adapts get, the getter of the process's shared ownership
// records (ownership.Shared.Get, created on first use), to Deps.Records. A
// failed get answers a nil interface, never one holding a typed nil.
func RecordsFrom[R Records](get func() (R, error)) func() (Records, error) {
	return func() (Records, error) {
		rec, err := get()
		if err != nil {
			return nil, err
		}
		return rec, nil
	}
}
