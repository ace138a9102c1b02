package openapi

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// kin-openapi's error strings quote the offending value (`property "<x>" is
// unsupported`, `value abc: an invalid integer`), so they are never shown.
// Its structured errors are read instead: RequestError.Parameter says which
// parameter, SchemaError.SchemaField which keyword failed, SchemaError.Schema
// the bound the document set, SchemaError.JSONPointer where in the body.

// Bounds on the error walk: a value can fail many keywords at many places.
const (
	maxErrorWalk   = 512
	maxPointerSegs = 32
	maxNameLen     = 64
)

// collector gathers field errors, without duplicates, at most MaxFieldErrors.
type collector struct {
	errs []FieldError
}

func (c *collector) add(in, field, reason string) {
	if len(c.errs) >= MaxFieldErrors {
		return
	}
	fe := FieldError{In: in, Field: field, Reason: reason}
	if !slices.Contains(c.errs, fe) {
		c.errs = append(c.errs, fe)
	}
}

// param records the failure of parameter p.
func (c *collector) param(p *openapi3.Parameter, err error) {
	in := p.In
	var pe *openapi3filter.ParseError
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		c.add(in, p.Name, "required")
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		c.add(in, p.Name, "empty value not allowed")
	case hasSchemaError(err):
		for _, se := range schemaLeaves(err) {
			for _, fe := range fieldErrors(se) {
				c.add(in, p.Name, fe.Reason)
			}
		}
	case errors.As(err, &pe):
		c.add(in, p.Name, parseReason(p))
	default:
		c.add(in, p.Name, "malformed")
	}
}

// body records the failure of the request body.
func (c *collector) body(err error) {
	var pe *openapi3filter.ParseError
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		c.add("body", "", "required")
	case hasSchemaError(err):
		// Sorted, so that the answer (and which errors the bound keeps) does
		// not depend on the order a validator visits properties in.
		var all []FieldError
		for _, se := range schemaLeaves(err) {
			all = append(all, fieldErrors(se)...)
		}
		slices.SortFunc(all, func(a, b FieldError) int {
			return cmp.Or(strings.Compare(a.Field, b.Field), strings.Compare(a.Reason, b.Reason))
		})
		for _, fe := range all {
			c.add("body", fe.Field, fe.Reason)
		}
	case errors.As(err, &pe) && pe.Kind == openapi3filter.KindUnsupportedFormat:
		// A declared media type kin-openapi cannot decode (XML, a vendor
		// binary type): its Content-Type was checked, its content is opaque.
	default:
		c.add("body", "", "malformed")
	}
}

// parseReason describes a parameter value that does not even parse as its
// schema's type ("abc" for an integer, an array item that is not a number).
func parseReason(p *openapi3.Parameter) string {
	if p.Schema == nil || p.Schema.Value == nil {
		return "malformed"
	}
	s := p.Schema.Value
	if s.Type.Is("array") && s.Items != nil && s.Items.Value != nil {
		s = s.Items.Value
	}
	if t := typeNames(s); t != "" {
		return "type: expected " + t
	}
	return "malformed"
}

func hasSchemaError(err error) bool {
	var se *openapi3.SchemaError
	return errors.As(err, &se)
}

// schemaLeaves returns the innermost schema errors within err: the keywords
// that actually failed, rather than the allOf or $ref wrapping them. oneOf,
// anyOf and not are reported as themselves: the failures of their branches
// are alternatives, and listing them would mislead.
func schemaLeaves(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	budget := maxErrorWalk
	var visit func(err error) bool
	visit = func(err error) bool { // reports whether it found a SchemaError
		if budget--; budget < 0 || err == nil {
			return false
		}
		switch e := err.(type) {
		case *openapi3.SchemaError:
			switch e.SchemaField {
			case "oneOf", "anyOf", "not":
			default:
				if e.Origin != nil && visit(e.Origin) {
					return true
				}
			}
			out = append(out, e)
			return true
		case openapi3.MultiError:
			found := false
			for _, x := range e {
				found = visit(x) || found
			}
			return found
		case interface{ Unwrap() []error }:
			found := false
			for _, x := range e.Unwrap() {
				found = visit(x) || found
			}
			return found
		case interface{ Unwrap() error }:
			return visit(e.Unwrap())
		}
		return false
	}
	visit(err)
	return out
}

// fieldErrors maps one failed keyword to field errors (several for a
// "required" or "additionalProperties" that names several properties).
func fieldErrors(se *openapi3.SchemaError) []FieldError {
	segs := se.JSONPointer()
	ptr := pointer(segs)
	s := se.Schema
	obj, _ := se.Value.(map[string]any)
	switch se.SchemaField {
	case "required":
		// The built-in validator points at the missing member and reports
		// each separately; the 2020-12 one (whose errors wrap their cause)
		// points at the object and reports them together.
		if s == nil || obj == nil || errors.Unwrap(se) == nil && len(segs) > 0 {
			return []FieldError{{Field: ptr, Reason: "required"}}
		}
		var out []FieldError
		for _, name := range s.Required {
			if _, ok := obj[name]; !ok {
				out = append(out, FieldError{Field: child(ptr, name), Reason: "required"})
			}
		}
		if len(out) == 0 {
			out = append(out, FieldError{Field: ptr, Reason: "required"})
		}
		return out
	case "properties", "additionalProperties", "unevaluatedProperties", "false":
		return extraProperties(ptr, s, obj)
	}
	if se.SchemaField == "" && s != nil && s.Always != nil && !*s.Always {
		return []FieldError{{Field: ptr, Reason: "not allowed"}} // a false schema
	}
	return []FieldError{{Field: ptr, Reason: keywordReason(se.SchemaField, s)}}
}

// extraProperties names the members of obj that s does not declare. When s
// is not the object's schema (the 2020-12 validator reports the
// "additionalProperties: false" subschema itself) the object is named.
func extraProperties(ptr string, s *openapi3.Schema, obj map[string]any) []FieldError {
	const reason = "additionalProperties not allowed"
	if s == nil || obj == nil || len(s.Properties) == 0 || len(s.PatternProperties) != 0 {
		return []FieldError{{Field: ptr, Reason: reason}}
	}
	var names []string
	for k := range obj {
		if _, ok := s.Properties[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	out := make([]FieldError, 0, len(names)+1)
	for _, k := range names {
		out = append(out, FieldError{Field: child(ptr, k), Reason: reason})
	}
	if len(out) == 0 {
		out = append(out, FieldError{Field: ptr, Reason: reason})
	}
	return out
}

// keywordReason is the fixed-vocabulary reason for a failed keyword, with
// the bound the document sets where there is one.
func keywordReason(field string, s *openapi3.Schema) string {
	if s == nil {
		s = &openapi3.Schema{}
	}
	switch field {
	case "type", "nullable":
		if t := typeNames(s); t != "" {
			return "type: expected " + t
		}
		return "type"
	case "format":
		if printableName(s.Format) != "" {
			return "format: " + s.Format
		}
		return "format"
	case "maxLength":
		return bound(field, s.MaxLength)
	case "minLength":
		return bound(field, &s.MinLength)
	case "maxItems":
		return bound(field, s.MaxItems)
	case "minItems":
		return bound(field, &s.MinItems)
	case "maxProperties":
		return bound(field, s.MaxProps)
	case "minProperties":
		return bound(field, &s.MinProps)
	case "minimum":
		return number(field, s.Min)
	case "maximum":
		return number(field, s.Max)
	case "exclusiveMinimum":
		return number(field, cmpOr(s.ExclusiveMin.Value, s.Min))
	case "exclusiveMaximum":
		return number(field, cmpOr(s.ExclusiveMax.Value, s.Max))
	case "multipleOf":
		return number(field, s.MultipleOf)
	case "enum", "const", "pattern", "uniqueItems", "oneOf", "anyOf", "allOf", "not",
		"discriminator", "contains", "minContains", "maxContains", "prefixItems", "items",
		"dependentRequired", "dependentSchemas", "propertyNames", "unevaluatedItems",
		"if", "then", "else", "readOnly", "writeOnly", "contentMediaType", "contentEncoding":
		return field
	case "boolean":
		return "not allowed"
	}
	return "invalid"
}

func typeNames(s *openapi3.Schema) string {
	if s.Type == nil {
		return ""
	}
	return strings.Join(s.Type.Slice(), " or ")
}

func bound(field string, n *uint64) string {
	if n == nil {
		return field
	}
	return field + " " + strconv.FormatUint(*n, 10)
}

func number(field string, f *float64) string {
	if f == nil {
		return field
	}
	return field + " " + strconv.FormatFloat(*f, 'g', -1, 64)
}

func cmpOr(a, b *float64) *float64 {
	if a != nil {
		return a
	}
	return b
}

// pointer renders a JSON Pointer (RFC 6901) from segments, cut before the
// first segment that is not a printable name: keys of a map-like object and
// undeclared members are chosen by the client. Printable names hold neither
// "~" nor "/", so no segment needs escaping.
func pointer(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		if i >= maxPointerSegs || printableName(s) == "" {
			break
		}
		b.WriteByte('/')
		b.WriteString(s)
	}
	return b.String()
}

// child appends name to ptr when it is printable, else returns ptr.
func child(ptr, name string) string {
	if printableName(name) == "" || strings.Count(ptr, "/") >= maxPointerSegs {
		return ptr
	}
	return ptr + "/" + name
}

// printableName returns name when it is short and made only of letters,
// digits and "_-.$@[]" (no markup, quotes, spaces or controls), else "".
func printableName(name string) string {
	if name == "" || len(name) > maxNameLen {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_-.$@[]", c) >= 0:
		default:
			return ""
		}
	}
	return name
}
