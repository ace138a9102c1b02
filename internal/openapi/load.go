package openapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// MaxSize is the largest document Load and Parse accept, in bytes. It bounds the
// memory a document costs before parsing (a multi-gigabyte "spec" would
// otherwise be read whole).
const MaxSize = 8 << 20

// Errors returned by Load and Parse; callers compare with errors.Is.
var (
	// ErrTooLarge reports a document over MaxSize.
	ErrTooLarge = errors.New("openapi: document too large")
	// ErrExternalRef reports a $ref to another file or URL.
	ErrExternalRef = errors.New("openapi: external $ref refused")
	// ErrInvalid reports a document that does not parse or does not validate.
	ErrInvalid = errors.New("openapi: invalid document")
)

// Doc is a loaded, validated OpenAPI document. It is immutable and safe for
// concurrent use.
type Doc struct {
	t        *openapi3.T
	basePath string      // "" or "/v1": see BasePath
	ops      []Operation // sorted by path then method
	byKey    map[opKey]*openapi3.Operation

	vmu        sync.Mutex
	validators map[ValidatorOptions]*Validator // Validator's, by options
}

// opKey addresses an operation by upper-case method and document path.
type opKey struct{ method, path string }

// Load reads and validates the document at path (YAML or JSON). It refuses
// documents over MaxSize and documents whose $refs leave the file.
func Load(path string) (*Doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	defer f.Close()
	// Read one byte past the cap so an oversized file is detected without
	// reading it whole (and so /dev/zero cannot exhaust memory).
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("openapi: read %s: %w", path, err)
	}
	doc, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

// Parse parses and validates a document (YAML or JSON) held in memory. Only
// local $refs ("#/components/...") are resolved: a $ref to a file or URL is
// refused with ErrExternalRef.
func Parse(data []byte) (*Doc, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, MaxSize)
	}
	ctx := context.Background()
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = false
	loader.IncludeOrigin = true // line and column in validation errors
	// Belt and braces: should any code path reach for another document despite
	// IsExternalRefsAllowed, this reader refuses it rather than touch the
	// file system or the network.
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		return nil, &openapi3.DisallowedExternalRefError{Ref: u.String()}
	}
	t, err := loader.LoadFromData(data)
	if err != nil {
		return nil, describe("load", err)
	}
	switch {
	case t.OpenAPI == "":
		return nil, fmt.Errorf(`%w: no "openapi" version field: want 3.0.x or 3.1.x (Swagger 2.0 is not supported)`, ErrInvalid)
	case !strings.HasPrefix(t.OpenAPI, "3.0.") && !strings.HasPrefix(t.OpenAPI, "3.1."):
		return nil, fmt.Errorf("%w: openapi version %q: want 3.0.x or 3.1.x", ErrInvalid, t.OpenAPI)
	}
	if err := t.Validate(ctx); err != nil {
		return nil, describe("validate", err)
	}
	return newDoc(t), nil
}

// describe wraps a kin-openapi error with the right sentinel and, when the
// error chain carries one, the document location ("line 12, column 5").
func describe(stage string, err error) error {
	var ext *openapi3.DisallowedExternalRefError
	if errors.As(err, &ext) {
		return fmt.Errorf("%w: %q (a document must be self-contained; inline the referenced file): %w",
			ErrExternalRef, ext.Ref, err)
	}
	if loc, ok := location(err); ok {
		return fmt.Errorf("%w: %s: line %d, column %d: %w", ErrInvalid, stage, loc.Line, loc.Column, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrInvalid, stage, err)
}

var originType = reflect.TypeFor[*openapi3.Origin]()

// location finds the first source location in err's chain. kin-openapi's
// typed validation errors each carry an "Origin *openapi3.Origin" field but
// share no interface for it, so the field is read by reflection.
func location(err error) (openapi3.Location, bool) {
	for _, e := range unwrapAll(err, 64) {
		v := reflect.ValueOf(e)
		for v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		f := v.FieldByName("Origin")
		if !f.IsValid() || f.Type() != originType || f.IsNil() {
			continue
		}
		o := f.Interface().(*openapi3.Origin)
		if o.Key != nil && o.Key.Line > 0 {
			return *o.Key, true
		}
		for _, l := range o.Fields {
			if l.Line > 0 {
				return l, true
			}
		}
	}
	return openapi3.Location{}, false
}

// unwrapAll lists err and the errors it wraps, depth first, at most limit.
func unwrapAll(err error, limit int) []error {
	var out []error
	stack := []error{err}
	for len(stack) > 0 && len(out) < limit {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e == nil {
			continue
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			stack = append(stack, u.Unwrap())
		case interface{ Unwrap() []error }:
			errs := u.Unwrap()
			for i := len(errs) - 1; i >= 0; i-- {
				stack = append(stack, errs[i])
			}
		}
	}
	return out
}
