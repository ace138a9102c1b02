package media

import (
	"errors"
	"fmt"
	"mime"
	"strings"
)

// Kind is how a response body is read.
type Kind uint8

// The kinds [Policy.Classify] returns.
const (
	// Refuse: the body cannot be read by the guards and is not listed to pass.
	Refuse Kind = iota
	// JSON: one JSON document (application/json, text/json, any +json).
	JSON
	// Sniff: no Content-Type; the body is filtered as JSON if it is JSON and
	// refused otherwise.
	Sniff
	// Lines: newline-delimited JSON, one document per line
	// (application/x-ndjson, application/jsonl, ...).
	Lines
	// Seq: a JSON text sequence (RFC 7464, application/json-seq): each record
	// starts with RS (0x1E) and ends with LF.
	Seq
	// Pass: the route lists the media type in pass_media_types.
	Pass
)

// Reasons a body is refused; they name the class, never the header value.
const (
	ReasonAmbiguous = "several Content-Type headers"
	ReasonMalformed = "malformed Content-Type"
	ReasonCharset   = "charset other than UTF-8"
	ReasonType      = "media type the guards cannot read"
	ReasonStream    = "event stream"
)

var errPattern = errors.New("media type pattern")

// Policy is a route's list of media types passed without filtering. The zero
// Policy passes nothing. It is read-only after NewPolicy.
type Policy struct {
	exact  []string // "text/csv"
	prefix []string // "text/" from "text/*"
}

// NewPolicy checks and compiles pass patterns: "type/subtype" or "type/*",
// without parameters, case-insensitive. JSON types cannot be passed: the guards
// always filter them.
func NewPolicy(pass []string) (Policy, error) {
	var p Policy
	for _, raw := range pass {
		v := strings.ToLower(strings.TrimSpace(raw))
		mt, params, err := mime.ParseMediaType(v)
		typ, sub, slash := strings.Cut(mt, "/")
		if err != nil || len(params) > 0 || mt != v || !slash {
			return Policy{}, fmt.Errorf("%w %q: want type/subtype or type/*, without parameters", errPattern, raw)
		}
		switch {
		case typ == "*":
			return Policy{}, fmt.Errorf("%w %q: list the types to pass, not */*", errPattern, raw)
		case sub == "*":
			p.prefix = append(p.prefix, typ+"/")
		case kindOf(typ, sub) != Refuse:
			return Policy{}, fmt.Errorf("%w %q: JSON is always filtered and cannot be passed", errPattern, raw)
		default:
			p.exact = append(p.exact, mt)
		}
	}
	return p, nil
}

// Classify returns how to read a body whose Content-Type header values are
// values (http.Header.Values). reason says why a body is refused. A listed type
// passes whatever its parameters; a JSON type must be UTF-8 (RFC 8259 §8.1),
// since the guards cannot read other charsets.
func (p Policy) Classify(values []string) (k Kind, reason string) {
	switch len(values) {
	case 0:
		return Sniff, ""
	case 1:
	default:
		return Refuse, ReasonAmbiguous // which one would the client believe?
	}
	v := values[0]
	if strings.EqualFold(v, "application/json") || strings.EqualFold(v, "application/json; charset=utf-8") {
		return JSON, "" // the common case, without parsing
	}
	if strings.TrimSpace(v) == "" {
		return Sniff, ""
	}
	mt, params, err := mime.ParseMediaType(v)
	typ, sub, slash := strings.Cut(mt, "/")
	if err != nil || !slash {
		return Refuse, ReasonMalformed
	}
	k = kindOf(typ, sub)
	switch {
	case k == Refuse && p.passes(mt): // JSON is filtered even under "application/*"
		return Pass, ""
	case k == Refuse && mt == "text/event-stream":
		return Refuse, ReasonStream
	case k == Refuse:
		return Refuse, ReasonType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		return Refuse, ReasonCharset
	}
	return k, ""
}

func (p Policy) passes(mt string) bool {
	for _, e := range p.exact {
		if mt == e {
			return true
		}
	}
	for _, pre := range p.prefix {
		if strings.HasPrefix(mt, pre) {
			return true
		}
	}
	return false
}

// kindOf maps a lower-case type and subtype to the way the guards read it.
func kindOf(typ, sub string) Kind {
	switch {
	case typ == "application" && sub == "json", typ == "text" && sub == "json",
		strings.HasSuffix(sub, "+json") && len(sub) > len("+json"):
		return JSON
	case typ == "application" && (sub == "x-ndjson" || sub == "ndjson" || sub == "jsonl" ||
		sub == "x-jsonl" || sub == "jsonlines" || sub == "x-jsonlines"):
		return Lines
	case typ == "application" && sub == "json-seq":
		return Seq
	}
	return Refuse
}
