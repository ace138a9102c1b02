package bruteforce

import (
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// Username extraction errors, compared with errors.Is.
var (
	// ErrMalformed reports a login body the gateway should refuse with 400:
	// unparsable, of an unsupported type, or polluted (the username field
	// repeated, or not a plain string).
	ErrMalformed = errors.New("bruteforce: malformed login body")
	// ErrNoUsername reports a well-formed body without a username; the
	// gateway counts the attempt against the IP only.
	ErrNoUsername = errors.New("bruteforce: no username in login body")
	// ErrInvalidUsername reports a username holding a control or invisible
	// formatting character, or bytes that are not UTF-8: backends strip or
	// keep these differently, so no count could follow the account.
	ErrInvalidUsername = errors.New("bruteforce: username holds control characters or invalid UTF-8")
)

// Username returns the username in a login body: field of a JSON object, or
// of an application/x-www-form-urlencoded form. Names match ignoring case,
// as many upstream binders do (Go's encoding/json among them).
//
// Parameter pollution is an error wrapping ErrMalformed, never a silent
// choice of one value: the field twice (in any case, or escaped
// differently), repeated in a form, as an array ("user[]=…" too), an object,
// a number or any other non-string. Otherwise the gateway could count one
// username while the upstream checks another, and an attacker could rotate
// the one counted.
func Username(contentType string, body []byte, field string) (string, error) {
	return username(contentType, body, nil, field)
}

// username is Username reading a JSON body through index when not nil.
func username(contentType string, body []byte, index func() (*jsonread.Index, error), field string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("%w: content type: %w", ErrMalformed, err)
	}
	// Another charset would make the upstream decode other characters than
	// the gateway counts.
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "", fmt.Errorf("%w: charset %q (only utf-8 is read)", ErrMalformed, cs)
	}
	var name string
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		name, err = jsonUsername(body, index, field)
	case mt == "application/x-www-form-urlencoded":
		name, err = formUsername(body, field)
	default:
		return "", fmt.Errorf("%w: unsupported content type %q", ErrMalformed, mt)
	}
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(name) == "" {
		return "", ErrNoUsername
	}
	return name, nil
}

// jsonUsername reads field from a JSON object, refusing duplicates. index,
// when not nil, answers the body's one reading (exchange.JSON); otherwise the
// body is read here, with the same reader and rules.
func jsonUsername(body []byte, index func() (*jsonread.Index, error), field string) (string, error) {
	if !utf8.Valid(body) { // decoders replace or refuse invalid bytes differently
		return "", fmt.Errorf("%w: body is not UTF-8", ErrMalformed)
	}
	var ix *jsonread.Index
	var err error
	if index != nil {
		ix, err = index()
	} else {
		ix, err = jsonread.Parse(body, jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
		defer ix.Release()
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if ix.Kind(0) != jsonread.Object {
		return "", fmt.Errorf("%w: want a JSON object", ErrMalformed)
	}
	var name string
	seen := false
	for c := ix.Child(0); c >= 0; c = ix.Sibling(c) {
		if !strings.EqualFold(string(ix.Key(c)), field) {
			continue
		}
		if seen {
			return "", fmt.Errorf("%w: field %q appears twice", ErrMalformed, field)
		}
		seen = true
		if ix.Kind(c) != jsonread.String {
			return "", fmt.Errorf("%w: field %q is not a string", ErrMalformed, field)
		}
		name = string(ix.Text(c))
	}
	if !seen {
		return "", ErrNoUsername
	}
	return name, nil
}

// formUsername reads field from a form, refusing repeats and array syntax.
func formUsername(body []byte, field string) (string, error) {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var name string
	n := 0
	for k, vs := range vals {
		switch {
		case sameFormName(k, field):
			n += len(vs)
			name = vs[0]
		case len(k) > len(field) && strings.EqualFold(k[:len(field)], field) && strings.ContainsAny(k[len(field):len(field)+1], "[."):
			return "", fmt.Errorf("%w: field %q in array or object syntax", ErrMalformed, field)
		}
	}
	switch {
	case n > 1:
		return "", fmt.Errorf("%w: field %q repeated", ErrMalformed, field)
	case n == 0:
		return "", ErrNoUsername
	}
	return name, nil
}

// sameFormName reports whether a form or query parameter named k is read as
// field by some upstream: the same name ignoring case, or after PHP's
// rewriting of "." and " " to "_" ("user.name" is $_POST["user_name"]).
func sameFormName(k, field string) bool {
	return strings.EqualFold(k, field) || strings.EqualFold(phpName(k), phpName(field))
}

func phpName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}

// InQuery reports whether the query string names field, the way an upstream
// could read it (any case, PHP's "." and " " for "_", array syntax, ";" as a
// separator). Many frameworks merge query and body parameters, some letting
// the query win (a servlet's getParameter): a username there could be the
// one the upstream checks while the gateway counts the body's.
func InQuery(rawQuery, field string) bool {
	for _, part := range strings.FieldsFunc(rawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		k, _, _ := strings.Cut(part, "=")
		if u, err := url.QueryUnescape(k); err == nil {
			k = u
		}
		if i := strings.IndexAny(k, "["); i >= 0 {
			k = k[:i]
		}
		if sameFormName(k, field) {
			return true
		}
	}
	return false
}
