package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// MaxFieldErrors bounds Result.Errors: a body with ten thousand bad fields
// costs the same answer as one with twenty.
const MaxFieldErrors = 20

// ValidatorOptions configures a Validator.
type ValidatorOptions struct {
	// Strict refuses requests the document does not declare: a path that
	// matches no template is answered 404, a path whose templates do not
	// declare the method 405 with Allow. When false, such requests pass
	// unvalidated (Result.Status 0): the document then describes the
	// operations it knows without fencing the API in.
	Strict bool
	// RejectUnknownQuery refuses (400, reason "unknown parameter") query
	// parameters the operation does not declare. It is off by default because
	// clients commonly add harmless ones (cache busters, tracking tags) and
	// documents often omit them; turn it on when the upstream reads query
	// parameters the document does not describe (mass assignment through the
	// query string, framework switches such as "?debug=1").
	RejectUnknownQuery bool
}

// FieldError is one failing part of a request. None of its fields carries
// the client's value: Reason comes from a fixed vocabulary and the bounds the
// document sets, and Field names a parameter or a JSON Pointer whose segments
// are cut at the first one that is not a plain name (so a crafted key such as
// "<script>" is never echoed).
type FieldError struct {
	// In is where the field is: "path", "query", "header", "cookie" or "body".
	In string `json:"in"`
	// Field is the parameter name, or a JSON Pointer into the body
	// ("/items/0/qty"); "" for the whole body or the whole query string.
	Field string `json:"field,omitempty"`
	// Reason says what is wrong: "required", "type: expected integer",
	// "enum", "maxLength 20", "minimum 1", "format: email", "pattern",
	// "additionalProperties not allowed", "unexpected content type",
	// "malformed", "unknown parameter", "body not allowed", ...
	Reason string `json:"reason"`
}

// Result is the outcome of Validate.
type Result struct {
	// Status is 0 when the request is valid (or, without Strict, not
	// declared); else 400 (invalid parameters or body), 404 or 405 (Strict,
	// undeclared), or 415 (Content-Type not declared for the operation).
	Status int
	// Allow lists the methods the path declares, sorted, for a 405.
	Allow []string
	// Errors lists every failing field, at most MaxFieldErrors, for 400 and
	// 415.
	Errors []FieldError
}

// Validator checks requests against the document's operations: the positive
// model of the injection defence. It is built once per document and is safe
// for concurrent use.
//
// What is checked, per operation: path, query, header and cookie parameters
// (presence, styles, and their schemas: type, format, enum, bounds, lengths,
// pattern), the request body (presence when required, a Content-Type the
// operation declares, and the schema of that media type, through $ref,
// allOf/oneOf/anyOf and additionalProperties), and, when no request body is
// declared, the absence of one. readOnly properties are left to the
// mass-assignment guard ([Doc.ReadOnlyFields]), which owns that policy.
// Defaults are never written into the request: the upstream receives exactly
// what was validated.
//
// Methods are matched case-insensitively so that "get" cannot slip past the
// checks of GET; HEAD is checked as GET when HEAD is not declared.
type Validator struct {
	strict       bool
	rejectQuery  bool
	base         string
	router       router
	options      *openapi3filter.Options
	emptyHeaders http.Header
}

// opEntry is what Validate needs of one operation, computed once.
type opEntry struct {
	route  *routers.Route
	params []*openapi3.Parameter // path item's, overridden by the operation's
	body   *openapi3.RequestBody // nil when none is declared
	query  queryNames
}

// Validator is NewValidator shared: every route of the document asking with
// the same options gets the one validator.
func (d *Doc) Validator(o ValidatorOptions) (*Validator, error) {
	if d == nil {
		return d.NewValidator(o)
	}
	d.vmu.Lock()
	defer d.vmu.Unlock()
	if v := d.validators[o]; v != nil {
		return v, nil
	}
	v, err := d.NewValidator(o)
	if err != nil {
		return nil, err
	}
	if d.validators == nil {
		d.validators = map[ValidatorOptions]*Validator{}
	}
	d.validators[o] = v
	return v, nil
}

// NewValidator prepares the document's operations for validation: routing
// tables, merged parameters and the schema validator each operation needs.
func (d *Doc) NewValidator(o ValidatorOptions) (*Validator, error) {
	if d == nil || d.t == nil {
		return nil, errors.New("openapi: validator: no document")
	}
	v := &Validator{
		strict:      o.Strict,
		rejectQuery: o.RejectUnknownQuery,
		base:        d.basePath,
		options: &openapi3filter.Options{
			MultiError:                 true,
			SkipSettingDefaults:        true,
			ExcludeReadOnlyValidations: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.WithStringFormatValidators(stringFormats()),
			},
		},
		emptyHeaders: http.Header{},
	}
	// kin-openapi picks its schema validator from the document version:
	// for 3.1, a JSON Schema 2020-12 validator that compiles the schema on
	// every call (tens of microseconds and hundreds of allocations). Its own
	// fallback uses the built-in validator for schemas without 2020-12-only
	// keywords; that decision is made here once per operation, by handing
	// such operations a 3.0 view of the document.
	legacy := &openapi3.T{OpenAPI: "3.0.3"}
	full := &openapi3.T{OpenAPI: d.t.OpenAPI}
	var eps []*endpoint
	for _, op := range d.ops {
		item := d.t.Paths.Value(op.Path)
		kop := d.byKey[opKey{op.Method, op.Path}]
		ep := v.router.add(op.Path)
		if ep.ops[op.Method] != nil {
			continue // "/a" and "/a/" both declare it: the first in path order wins
		}
		e, err := newOpEntry(item, kop)
		if err != nil {
			return nil, fmt.Errorf("openapi: validator: %s %s: %w", op.Method, op.Path, err)
		}
		spec := legacy
		if d.t.IsOpenAPI31OrLater() && uses2020(item, kop) {
			spec = full
		}
		e.route = &routers.Route{Spec: spec, Path: op.Path, PathItem: item, Method: op.Method, Operation: kop}
		if len(ep.ops) == 0 {
			eps = append(eps, ep)
		}
		ep.ops[op.Method] = e
	}
	for _, ep := range eps {
		ep.finish()
	}
	return v, nil
}

// newOpEntry merges the parameters of item and op (the operation's win, by
// name and location) and records the body and the declared query names.
func newOpEntry(item *openapi3.PathItem, op *openapi3.Operation) (*opEntry, error) {
	e := &opEntry{}
	if item != nil {
		for _, p := range item.Parameters {
			if p == nil || p.Value == nil || op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) != nil {
				continue
			}
			e.params = append(e.params, p.Value)
		}
	}
	for _, p := range op.Parameters {
		if p != nil && p.Value != nil {
			e.params = append(e.params, p.Value)
		}
	}
	for _, p := range e.params {
		if _, err := p.SerializationMethod(); err != nil {
			return nil, fmt.Errorf("parameter %q: %w", p.Name, err)
		}
	}
	e.query = newQueryNames(e.params)
	if op.RequestBody != nil {
		e.body = op.RequestBody.Value
	}
	return e, nil
}

// Validate checks one request. path is the canonical request path as the
// gateway received it; the document's server base path (Doc.BasePath) is
// stripped here when present. rawQuery is the query string without "?"; h
// the request headers (nil for none); body the buffered body (nil when none).
//
// A query string that does not parse (a bad escape, a ";" separator) is
// refused as "malformed", since the upstream could read it differently.
func (v *Validator) Validate(method, path, rawQuery string, h http.Header, body []byte) Result {
	m, allow := v.find(method, path)
	if m.ep == nil {
		switch {
		case !v.strict:
			return Result{}
		case len(allow) > 0:
			return Result{Status: http.StatusMethodNotAllowed, Allow: allow}
		default:
			return Result{Status: http.StatusNotFound}
		}
	}
	e := m.ep.op(method)
	var c collector
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		c.add("query", "", "malformed")
	}
	if v.rejectQuery {
		e.query.check(query, &c)
	}
	if h == nil {
		h = v.emptyHeaders
	}
	input := &openapi3filter.RequestValidationInput{
		Request:     &http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: h, Body: http.NoBody},
		PathParams:  m.params(),
		QueryParams: query,
		Route:       e.route,
		Options:     v.options,
	}
	ctx := context.Background()
	for _, p := range e.params {
		if err := openapi3filter.ValidateParameter(ctx, input, p); err != nil {
			c.param(p, err)
		}
	}
	status := checkBody(ctx, e.body, input, body, &c)
	if status == 0 && len(c.errs) > 0 {
		status = http.StatusBadRequest
	}
	return Result{Status: status, Errors: c.errs}
}

// find routes path (with the base path stripped, else as is) to an operation.
func (v *Validator) find(method, path string) (routeMatch, []string) {
	var allow []string
	if v.base != "" {
		if rest, ok := strings.CutPrefix(path, v.base); ok && (rest == "" || rest[0] == '/') {
			m, a := v.router.lookup(method, rest)
			if m.ep != nil {
				return m, nil
			}
			allow = a
		}
	}
	m, a := v.router.lookup(method, path)
	if m.ep != nil || allow == nil {
		return m, a
	}
	return m, allow
}

// params returns the path parameters by name, as kin-openapi reads them.
func (m routeMatch) params() map[string]string {
	if len(m.ep.names) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.ep.names))
	for i, name := range m.ep.names {
		if i < len(m.vals) {
			out[name] = m.vals[i]
		}
	}
	return out
}

// checkBody validates body against rb and returns 415 for an undeclared
// Content-Type, else 0 (other failures are recorded in c).
func checkBody(ctx context.Context, rb *openapi3.RequestBody, input *openapi3filter.RequestValidationInput, body []byte, c *collector) int {
	switch {
	case rb == nil:
		// An undeclared body is refused rather than passed on unexamined:
		// an upstream framework may well parse it.
		if len(body) > 0 {
			c.add("body", "", "body not allowed")
		}
		return 0
	case len(body) == 0:
		if rb.Required {
			c.add("body", "", "required")
		}
		return 0
	case len(rb.Content) == 0:
		return 0
	}
	ct := input.Request.Header.Get("Content-Type")
	mt := rb.Content.Get(ct)
	if mt == nil {
		c.add("body", "", "unexpected content type")
		return http.StatusUnsupportedMediaType
	}
	if mt.Schema == nil {
		return 0
	}
	// kin-openapi decodes the first JSON value and ignores what follows;
	// an upstream may read the rest ("{...} {...}"), so it must be one value.
	if jsonMedia(ct) && !json.Valid(body) {
		c.add("body", "", "malformed")
		return 0
	}
	input.Request.Body = io.NopCloser(bytes.NewReader(body))
	if err := openapi3filter.ValidateRequestBody(ctx, input, rb); err != nil {
		c.body(err)
	}
	return 0
}

// jsonMedia reports whether a Content-Type value is JSON: application/json
// or a "+json" type (RFC 6839), any parameters ignored.
func jsonMedia(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	_, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(base)), "/")
	return ok && (sub == "json" || strings.HasSuffix(sub, "+json"))
}

// queryNames are the query parameter names an operation declares.
type queryNames struct {
	exact map[string]bool
	deep  []string // deepObject parameters: "name[" prefixes
	any   bool     // an exploded form object with open properties takes any key
}

func newQueryNames(params []*openapi3.Parameter) queryNames {
	q := queryNames{exact: map[string]bool{}}
	for _, p := range params {
		if p.In != openapi3.ParameterInQuery {
			continue
		}
		q.exact[p.Name] = true
		sm, err := p.SerializationMethod()
		if err != nil || p.Schema == nil || p.Schema.Value == nil || !p.Schema.Value.Type.Is("object") {
			continue
		}
		s := p.Schema.Value
		switch {
		case sm.Style == openapi3.SerializationDeepObject:
			q.deep = append(q.deep, p.Name+"[")
		case sm.Style == openapi3.SerializationForm && sm.Explode:
			// Each property is a top-level key (?role=admin&name=x).
			for name := range s.Properties {
				q.exact[name] = true
			}
			if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has || s.AdditionalProperties.Schema != nil {
				q.any = true
			}
		}
	}
	return q
}

// check records every query key q holds that the operation does not declare.
// Keys are visited in sorted order, so the bounded error list is stable.
func (n queryNames) check(q url.Values, c *collector) {
	if n.any {
		return
	}
	var unknown []string
	for k := range q {
		if !n.exact[k] && !slices.ContainsFunc(n.deep, func(p string) bool { return strings.HasPrefix(k, p) }) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		c.add("query", printableName(k), "unknown parameter")
	}
}

// uses2020 reports whether a schema of the operation (parameters, body) uses
// a keyword only kin-openapi's JSON Schema 2020-12 validator enforces.
func uses2020(item *openapi3.PathItem, op *openapi3.Operation) bool {
	var refs []*openapi3.SchemaRef
	addParam := func(p *openapi3.ParameterRef) {
		if p == nil || p.Value == nil {
			return
		}
		refs = append(refs, p.Value.Schema)
		for _, mt := range p.Value.Content {
			if mt != nil {
				refs = append(refs, mt.Schema)
			}
		}
	}
	if item != nil {
		for _, p := range item.Parameters {
			addParam(p)
		}
	}
	for _, p := range op.Parameters {
		addParam(p)
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for _, mt := range op.RequestBody.Value.Content {
			if mt != nil {
				refs = append(refs, mt.Schema)
			}
		}
	}
	return slices.ContainsFunc(refs, schemaUses2020)
}

var errFound2020 = errors.New("2020-12 keyword")

// schemaUses2020 walks ref (through $refs, each schema once) looking for the
// keywords kin-openapi's built-in validator ignores.
func schemaUses2020(ref *openapi3.SchemaRef) bool {
	if ref == nil || ref.Value == nil {
		return false
	}
	err := ref.WalkSubtree(func(_ string, r *openapi3.SchemaRef) error {
		s := r.Value
		if s == nil {
			return nil
		}
		if s.Const != nil || len(s.PrefixItems) != 0 || s.Contains != nil ||
			len(s.PatternProperties) != 0 || len(s.DependentSchemas) != 0 || s.PropertyNames != nil ||
			s.UnevaluatedItems.Has != nil || s.UnevaluatedItems.Schema != nil ||
			s.UnevaluatedProperties.Has != nil || s.UnevaluatedProperties.Schema != nil ||
			s.If != nil || s.Then != nil || s.Else != nil ||
			len(s.DependentRequired) != 0 || len(s.Defs) != 0 || s.ContentSchema != nil {
			return errFound2020
		}
		return nil
	})
	return errors.Is(err, errFound2020)
}
