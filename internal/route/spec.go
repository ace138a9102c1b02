package route

import (
	"errors"
	"fmt"
	"slices"
)

// Spec describes one route for [NewTable] and [Overlap].
type Spec struct {
	// Host is "" for any host, an exact host ("api.example.com", case-insensitive,
	// port ignored) or a wildcard "*.example.com" matching exactly one extra label.
	Host string
	// Methods are upper-case HTTP methods; empty means any method.
	Methods []string
	// Path is a template, see [ParseTemplate].
	Path string
}

// compiled is a validated Spec.
type compiled struct {
	host    hostPattern
	methods []string // sorted, unique; nil = any
	tmpl    *Template
}

func compile(s Spec) (compiled, error) {
	h, err := parseHostPattern(s.Host)
	if err != nil {
		return compiled{}, fmt.Errorf("host: %w", err)
	}
	ms, err := normalizeMethods(s.Methods)
	if err != nil {
		return compiled{}, fmt.Errorf("methods: %w", err)
	}
	t, err := ParseTemplate(s.Path)
	if err != nil {
		return compiled{}, fmt.Errorf("path: %w", err)
	}
	return compiled{host: h, methods: ms, tmpl: t}, nil
}

// normalizeMethods checks each method is an upper-case token and returns them
// sorted and unique.
func normalizeMethods(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	for _, m := range in {
		if m == "" {
			return nil, errors.New("empty method")
		}
		for i := 0; i < len(m); i++ {
			c := m[i]
			if !('A' <= c && c <= 'Z' || c == '-' || c == '_' || '0' <= c && c <= '9') {
				return nil, fmt.Errorf("method %q is not an upper-case token", m)
			}
		}
		out = append(out, m)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Overlap reports whether some request could match both a and b equally well:
// equal host patterns, a shared method (an empty list shares every method), and
// templates of the same shape (see the package documentation for why only those
// tie). Invalid specs never overlap; validation reports them separately.
func Overlap(a, b Spec) bool {
	ca, err := compile(a)
	if err != nil {
		return false
	}
	cb, err := compile(b)
	if err != nil {
		return false
	}
	return ca.host == cb.host && sharesMethod(ca.methods, cb.methods) && sameShape(ca.tmpl, cb.tmpl)
}

func sharesMethod(a, b []string) bool {
	if a == nil || b == nil {
		return true
	}
	for _, m := range a {
		if _, ok := slices.BinarySearch(b, m); ok {
			return true
		}
	}
	return false
}
