package openapi

import (
	"cmp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one method+path of the document.
type Operation struct {
	// Method is the HTTP method, upper case ("GET").
	Method string
	// Path is the document's path as written under "paths", e.g.
	// "/users/{userId}", without any server base path (see Doc.BasePath).
	// Pass it back to ReadOnlyFields and ResponseFields.
	Path string
	// ID is the operationId, "" when the document gives none.
	ID string
}

func newDoc(t *openapi3.T) *Doc {
	d := &Doc{t: t, byKey: map[opKey]*openapi3.Operation{}, basePath: basePath(t.Servers)}
	if t.Paths == nil {
		return d
	}
	for path, item := range t.Paths.Map() {
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op == nil {
				continue
			}
			method = strings.ToUpper(method)
			d.byKey[opKey{method, path}] = op
			d.ops = append(d.ops, Operation{Method: method, Path: path, ID: op.OperationID})
		}
	}
	slices.SortFunc(d.ops, func(a, b Operation) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
	})
	return d
}

// basePath returns the path every server URL shares ("/api/v1"), with server
// variables at their defaults, or "" when there is none, it is "/", or the
// servers disagree: a prefix the document does not pin down is not guessed.
func basePath(servers openapi3.Servers) string {
	base := ""
	for i, s := range servers {
		if s == nil {
			return ""
		}
		p, err := s.BasePath()
		if err != nil {
			return ""
		}
		p = strings.TrimSuffix(p, "/")
		if i > 0 && p != base {
			return ""
		}
		base = p
	}
	return base
}

// BasePath returns the path prefix of the document's server URL(s), e.g.
// "/api/v1" for "https://example.com/api/v1", or "" when there is none or the
// servers disagree. Operation paths do not include it; Match accepts route
// paths with or without it.
func (d *Doc) BasePath() string { return d.basePath }

// Operations returns every operation of the document, sorted by path then
// method. The slice is a copy.
func (d *Doc) Operations() []Operation {
	return slices.Clone(d.ops)
}

// Match finds the operation for a gateway route: method (any case) and the
// route's path template, e.g. "/users/{id}". Templates match when their
// segments match with any parameter names, so "/users/{id}" matches the
// document's "/users/{userId}"; a trailing slash is ignored, as in route
// templates. The route may include the document's BasePath or not; a match
// without it is preferred. A "**" route never matches: it stands for many
// operations, not one.
func (d *Doc) Match(method, routePath string) (Operation, bool) {
	method = strings.ToUpper(method)
	want, ok := shape(routePath)
	if !ok || strings.Contains(routePath, "**") {
		return Operation{}, false
	}
	prefixes := []string{""}
	if d.basePath != "" {
		prefixes = append(prefixes, d.basePath)
	}
	for _, prefix := range prefixes {
		// First an exact path, then the first same-shaped one in sorted order,
		// so the answer never depends on map order.
		for _, op := range d.ops {
			if op.Method == method && strings.TrimSuffix(prefix+op.Path, "/") == strings.TrimSuffix(routePath, "/") {
				return op, true
			}
		}
		for _, op := range d.ops {
			if op.Method != method {
				continue
			}
			if got, ok := shape(prefix + op.Path); ok && got == want {
				return op, true
			}
		}
	}
	return Operation{}, false
}

// shape returns path with every "{param}" replaced by "{}" and trailing
// slashes removed, so two templates compare equal exactly when they differ only
// in parameter names. ok is false for a path that does not start with "/" or
// has unbalanced braces.
func shape(path string) (string, bool) {
	if path == "" || path[0] != '/' {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '{':
			end := strings.IndexByte(path[i:], '}')
			if end < 0 || strings.IndexByte(path[i+1:i+end], '/') >= 0 {
				return "", false
			}
			b.WriteString("{}")
			i += end
		case '}':
			return "", false
		default:
			b.WriteByte(path[i])
		}
	}
	if s := strings.TrimRight(b.String(), "/"); s != "" {
		return s, true
	}
	return "/", true
}

// operation returns the operation at method (any case) and document path.
func (d *Doc) operation(method, path string) *openapi3.Operation {
	return d.byKey[opKey{strings.ToUpper(method), path}]
}
