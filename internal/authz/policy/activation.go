package policy

import (
	"net/textproto"
	"reflect"
	"slices"
	"strings"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/google/cel-go/interpreter"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

// activation resolves the environment's variables on demand from an Input,
// without copying the request's maps: a rule that reads one header pays for
// one lookup. One activation (a single allocation) is made per evaluation.
type activation struct {
	in        *Input
	adapter   types.Adapter
	principal lazyMap[principalSource]
	params    lazyMap[paramSource]
	query     lazyMap[multiSource]
	headers   lazyMap[multiSource]
}

var _ interpreter.Activation = (*activation)(nil)

func newActivation(in *Input, a types.Adapter) *activation {
	return &activation{
		in:        in,
		adapter:   a,
		principal: lazyMap[principalSource]{src: principalSource{p: in.Principal}, adapter: a},
		params:    lazyMap[paramSource]{src: paramSource(in.Params), adapter: a},
		query:     lazyMap[multiSource]{src: multiSource{m: in.Query}, adapter: a},
		headers:   lazyMap[multiSource]{src: multiSource{m: in.Headers, header: true}, adapter: a},
	}
}

// ResolveName implements interpreter.Activation.
func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "principal":
		return &a.principal, true
	case "params":
		return &a.params, true
	case "query":
		return &a.query, true
	case "headers":
		return &a.headers, true
	case "method":
		return types.String(a.in.Method), true
	case "path":
		return types.String(a.in.Path), true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a *activation) Parent() interpreter.Activation { return nil }

// mapSource is a read-only string-keyed map viewed lazily.
type mapSource interface {
	lookup(a types.Adapter, key string) (ref.Val, bool)
	keys() []string // sorted, so iteration is deterministic
}

// principalFields are the keys principal may have. Empty string fields are
// absent rather than "": an API key without a subject must not equal an empty
// path parameter, and has(principal.sub) says whether there is one.
var principalFields = []string{"authenticated", "claims", "consumer", "issuer", "method", "roles", "scopes", "sub"}

// principalSource exposes a principal; nil is anonymous: authenticated false,
// empty scopes, roles and claims, and no string fields.
type principalSource struct{ p *principal.Principal }

func (s principalSource) lookup(a types.Adapter, key string) (ref.Val, bool) {
	p := s.p
	switch key {
	case "authenticated":
		return types.Bool(p != nil), true
	case "scopes":
		if p == nil {
			return types.NewStringList(a, nil), true
		}
		return types.NewStringList(a, p.Scopes), true
	case "roles":
		if p == nil {
			return types.NewStringList(a, nil), true
		}
		return types.NewStringList(a, p.Roles), true
	case "claims":
		if p == nil {
			return types.NewStringInterfaceMap(a, nil), true
		}
		return types.NewStringInterfaceMap(a, p.Claims), true
	}
	if p == nil {
		return nil, false
	}
	var v string
	switch key {
	case "sub":
		v = p.Subject
	case "consumer":
		v = p.Consumer
	case "method":
		v = p.Method
	case "issuer":
		v = p.Issuer
	}
	if v == "" {
		return nil, false
	}
	return types.String(v), true
}

func (s principalSource) keys() []string {
	ks := make([]string, 0, len(principalFields))
	for _, k := range principalFields {
		if _, ok := s.lookup(nil, k); ok {
			ks = append(ks, k)
		}
	}
	return ks
}

// paramSource exposes path parameters as map(string, string).
type paramSource map[string]string

func (s paramSource) lookup(_ types.Adapter, key string) (ref.Val, bool) {
	v, ok := s[key]
	if !ok {
		return nil, false
	}
	return types.String(v), true
}

func (s paramSource) keys() []string {
	ks := make([]string, 0, len(s))
	for k := range s {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// multiSource exposes url.Values or http.Header as map(string, list(string)).
// For headers the keys are lower-case: headers["x-tenant"] reads X-Tenant.
type multiSource struct {
	m      map[string][]string
	header bool
}

func (s multiSource) lookup(a types.Adapter, key string) (ref.Val, bool) {
	if s.header {
		if hasUpper(key) { // the map's keys are lower-case; X-Tenant is not one
			return nil, false
		}
		v, ok := s.m[textproto.CanonicalMIMEHeaderKey(key)]
		if !ok {
			v, ok = s.m[key] // a key textproto leaves alone, or a non-canonical map
		}
		if !ok {
			return nil, false
		}
		return types.NewStringList(a, v), true
	}
	v, ok := s.m[key]
	if !ok {
		return nil, false
	}
	return types.NewStringList(a, v), true
}

func (s multiSource) keys() []string {
	ks := make([]string, 0, len(s.m))
	for k := range s.m {
		if s.header {
			k = strings.ToLower(k)
		}
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return slices.Compact(ks)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// lazyMap is a CEL map over a mapSource. Lookups go straight to the source;
// the rare whole-map operations (iteration, equality, conversion) build an
// ordinary CEL map first.
type lazyMap[S mapSource] struct {
	src     S
	adapter types.Adapter
}

var (
	_ traits.Mapper = (*lazyMap[principalSource])(nil)
	_ traits.Mapper = (*lazyMap[paramSource])(nil)
	_ traits.Mapper = (*lazyMap[multiSource])(nil)
)

func (m *lazyMap[S]) materialize() traits.Mapper {
	ks := m.src.keys()
	vals := make(map[ref.Val]ref.Val, len(ks))
	for _, k := range ks {
		if v, ok := m.src.lookup(m.adapter, k); ok {
			vals[types.String(k)] = v
		}
	}
	return types.NewRefValMap(m.adapter, vals)
}

// Find implements traits.Mapper.
func (m *lazyMap[S]) Find(key ref.Val) (ref.Val, bool) {
	k, ok := key.(types.String)
	if !ok {
		if types.IsUnknownOrError(key) {
			return key, false
		}
		return nil, false
	}
	return m.src.lookup(m.adapter, string(k))
}

// Get implements traits.Indexer.
func (m *lazyMap[S]) Get(key ref.Val) ref.Val {
	v, found := m.Find(key)
	if !found {
		return types.ValOrErr(v, "no such key: %v", key)
	}
	return v
}

// Contains implements traits.Container.
func (m *lazyMap[S]) Contains(key ref.Val) ref.Val {
	v, found := m.Find(key)
	if !found && v != nil {
		return types.MaybeNoSuchOverloadErr(v)
	}
	return types.Bool(found)
}

// Size implements traits.Sizer.
func (m *lazyMap[S]) Size() ref.Val { return types.Int(len(m.src.keys())) }

// Iterator implements traits.Iterable.
func (m *lazyMap[S]) Iterator() traits.Iterator { return m.materialize().Iterator() }

// ConvertToNative implements ref.Val.
func (m *lazyMap[S]) ConvertToNative(t reflect.Type) (any, error) {
	return m.materialize().ConvertToNative(t)
}

// ConvertToType implements ref.Val.
func (m *lazyMap[S]) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return m
	case types.TypeType:
		return types.MapType
	}
	return m.materialize().ConvertToType(t)
}

// Equal implements ref.Val.
func (m *lazyMap[S]) Equal(other ref.Val) ref.Val { return m.materialize().Equal(other) }

// Type implements ref.Val.
func (m *lazyMap[S]) Type() ref.Type { return types.MapType }

// Value implements ref.Val.
func (m *lazyMap[S]) Value() any { return m.materialize().Value() }
