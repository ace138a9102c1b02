package inspect

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"sync"

	"github.com/bulwark-gw/bulwark/internal/inspect/nosql"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
	"github.com/bulwark-gw/bulwark/internal/route"
)

// DefaultMaxValues is the number of values Inspect examines per request when
// Config.MaxValues is zero.
const DefaultMaxValues = 10000

// RuleTooManyValues is the rule of the finding Inspect reports when a request
// holds more values than Config.MaxValues: a request the inspector cannot
// finish examining is treated as an attack (fail closed), so padding a payload
// behind thousands of harmless parameters does not smuggle it through.
const RuleTooManyValues = "inspect.too_many_values"

// RuleEvasiveEncoding is the traversal finding for a value written with
// overlong UTF-8 or %%XX escapes (see decode.Flags).
const RuleEvasiveEncoding = "traversal.evasive_encoding"

// DetectorInspect is the Detector of a finding raised by the inspector itself
// (RuleTooManyValues) rather than by one of the detectors.
const DetectorInspect = "inspect"

// Detector names as written in Config.Detectors, Exclusion.Detectors and
// Finding.Detector.
const (
	DetectorSQLi      = "sqli"
	DetectorNoSQLi    = "nosqli"
	DetectorCmdi      = "cmdi"
	DetectorTraversal = "traversal"
)

// RuleOperator is the rule of a NoSQL operator found in a JSON key or in a
// query, form or cookie name (nosql.Operator, nosql.QueryKey).
const RuleOperator = nosql.RuleOperator

// detectorSet is a bit set of detectors.
type detectorSet uint8

const (
	detSQLi detectorSet = 1 << iota
	detNoSQLi
	detCmdi
	detTraversal

	detAll = detSQLi | detNoSQLi | detCmdi | detTraversal
)

var detectorNames = [...]struct {
	name string
	bit  detectorSet
}{
	{DetectorSQLi, detSQLi},
	{DetectorNoSQLi, detNoSQLi},
	{DetectorCmdi, detCmdi},
	{DetectorTraversal, detTraversal},
}

// parseDetectors turns names into a set; empty means all.
func parseDetectors(names []string) (detectorSet, error) {
	if len(names) == 0 {
		return detAll, nil
	}
	var set detectorSet
	for _, n := range names {
		bit := detectorBit(n)
		if bit == 0 {
			return 0, fmt.Errorf("unknown detector %q (want sqli, nosqli, cmdi or traversal)", n)
		}
		set |= bit
	}
	return set, nil
}

func detectorBit(name string) detectorSet {
	for _, d := range detectorNames {
		if d.name == name {
			return d.bit
		}
	}
	return 0
}

// Config is one route's injection inspection.
type Config struct {
	// Detectors lists the detectors to run: "sqli", "nosqli", "cmdi",
	// "traversal". Empty runs all of them.
	Detectors []string
	// Headers lists the request headers whose values are inspected, by name
	// (any case). Cookies are always inspected, whatever this list says.
	Headers []string
	// AllowOperators lists NoSQL operators that are legitimate on this route
	// (for example "$eq", "$in", "$limit" for a Feathers or Strapi API): an
	// operator found in a JSON key or a query/form name that is listed here
	// passes. Write operators in MongoDB's spelling ("$elemMatch"): the
	// detector finds them in any case and names them so.
	AllowOperators []string
	// Exclusions are known false positives: a field, or a set of fields, where
	// some or all detectors do not apply.
	Exclusions []Exclusion
	// TextFields is what the API's contract says about fields' text (from
	// OpenAPI: x-bulwark-text: prose, format, pattern, maxLength, enum): a
	// prose field's findings need a complete injection whatever the value's
	// shape; a strict field's findings stand even when its value reads as
	// prose. Fields not listed are judged by their value's shape. The first
	// matching entry decides. Not configuration: the gateway reads it from
	// the API's document (ContractText).
	TextFields []TextField `json:"-"`
	// MaxValues bounds the names and values inspected per request; 0 means
	// DefaultMaxValues. A request with more is reported as a finding with rule
	// RuleTooManyValues.
	MaxValues int
}

// Text is what a field is declared to hold.
type Text uint8

// Kinds of text.
const (
	// TextProse is free text written by people (x-bulwark-text: prose).
	TextProse Text = iota + 1
	// TextStrict is an identifier, code or number: a declared format,
	// pattern or enum, or at most 64 characters.
	TextStrict
)

// TextField declares the text of fields, written as an exclusion's Field
// ("body.comment", "query.q", "body.items.*.note").
type TextField struct {
	Field string
	Text  Text
}

// Exclusion turns detectors off for fields that are known to carry
// attack-like text legitimately.
type Exclusion struct {
	// Field is a location followed by a dotted path:
	//   query.q, query.filters.**    query parameters (bracket names split:
	//                                 filters[title][$eq] is filters.title.$eq)
	//   form.comment                  urlencoded and multipart form fields
	//   body.sql, body.items.*.note   JSON body fields; array indices match *
	//   body.**, body                 the whole body (JSON or text)
	//   path.id, cookie.prefs, header.x-sql
	// "*" is exactly one segment, "**" any number of segments (zero
	// included). Header names match in any case, everything else exactly. A
	// bare location ("body", "query") covers the whole location. Path, cookie
	// and header names are one segment even when they hold dots.
	Field string
	// Detectors lists the detectors the exclusion turns off; empty means all.
	Detectors []string
	// Operators, when set, turns no detector off: the NoSQL operators listed
	// pass on Field (in its name's path, its keys and operator documents
	// inside its value), like AllowOperators but for that field only; any
	// other finding there stands. Detectors must then be empty.
	Operators []string
}

// Request is what Inspect reads of one request.
type Request struct {
	RawQuery    string        // r.URL.RawQuery as received
	Params      []route.Param // path parameters, already decoded canonical values
	Header      http.Header
	ContentType string // the Content-Type header value (may be empty)
	Body        []byte // the buffered body, nil when none
	// JSON is the index of Body when the gateway has read it as JSON
	// already (exchange.JSON, internal/jsonread), so a JSON body is read
	// once per request; nil: Inspect reads Body itself.
	JSON *jsonread.Index
}

// Finding says where an attack was found. It never holds the value itself:
// it goes to audit records and problem details.
type Finding struct {
	Detector string // "sqli", "nosqli", "cmdi", "traversal" (or "inspect")
	Rule     string // the detector's rule id, e.g. "sqli.libinjection"
	// Location is one of "query", "query_name", "path", "cookie", "header",
	// "body", "body_key", "form", "form_name", "multipart", "filename".
	Location string
	// Field is the parameter, header or cookie name, or the body path
	// ("filter.$where", "items[3].note"), with control and non-printable
	// characters escaped and truncated to 128 bytes.
	Field string
	// Operators are the NoSQL operators of a RuleOperator finding that no
	// allowance covered, in MongoDB's spelling, comma-separated ("$gte,$in"):
	// names from a fixed list, never the client's bytes.
	Operators string
}

// Inspector examines requests for injection attacks. It is immutable and safe
// for concurrent use.
type Inspector struct {
	detectors  detectorSet
	headers    []string // canonical names
	allowOps   []string
	allowFn    func(op string) bool // allowedOp, bound once; nil without allowOps
	fieldOps   bool                 // an exclusion allows operators on a field
	exclusions []exclusion
	textFields []textField
	maxValues  int
	pool       sync.Pool // *state
}

// New validates c and builds an Inspector. Errors name the offending entry.
func New(c Config) (*Inspector, error) {
	det, err := parseDetectors(c.Detectors)
	if err != nil {
		return nil, fmt.Errorf("detectors: %w", err)
	}
	in := &Inspector{detectors: det, maxValues: c.MaxValues}
	if c.MaxValues < 0 {
		return nil, fmt.Errorf("max_values: %d is negative", c.MaxValues)
	}
	if in.maxValues == 0 {
		in.maxValues = DefaultMaxValues
	}
	for i, h := range c.Headers {
		if !isToken(h) {
			return nil, fmt.Errorf("headers[%d]: %q is not a header name", i, h)
		}
		in.headers = append(in.headers, textproto.CanonicalMIMEHeaderKey(h))
	}
	for i, op := range c.AllowOperators {
		if err := checkOperator(op); err != nil {
			return nil, fmt.Errorf("allow_operators[%d]: %w", i, err)
		}
		in.allowOps = append(in.allowOps, op)
	}
	for i, e := range c.Exclusions {
		x, err := compileExclusion(e)
		if err != nil {
			return nil, fmt.Errorf("exclusions[%d]: %w", i, err)
		}
		for j, op := range e.Operators {
			if err := checkOperator(op); err != nil {
				return nil, fmt.Errorf("exclusions[%d].operators[%d]: %w", i, j, err)
			}
		}
		if len(e.Operators) > 0 {
			if len(e.Detectors) > 0 {
				return nil, fmt.Errorf("exclusions[%d]: operators and detectors do not combine", i)
			}
			x.detectors, x.ops = 0, e.Operators
			in.fieldOps = true
		}
		in.exclusions = append(in.exclusions, x)
	}
	for i, f := range c.TextFields {
		if f.Text != TextProse && f.Text != TextStrict {
			return nil, fmt.Errorf("text_fields[%d]: unknown text kind %d", i, f.Text)
		}
		x, err := compileExclusion(Exclusion{Field: f.Field})
		if err != nil {
			return nil, fmt.Errorf("text_fields[%d]: %w", i, err)
		}
		in.textFields = append(in.textFields, textField{x, f.Text})
	}
	if len(in.allowOps) > 0 {
		in.allowFn = in.allowedOp
	}
	return in, nil
}

// checkOperator accepts "$" followed by letters, digits and underscores.
func checkOperator(op string) error {
	if len(op) < 2 || op[0] != '$' {
		return fmt.Errorf("%q is not an operator (want $ and a name, e.g. $eq)", op)
	}
	for i := 1; i < len(op); i++ {
		c := op[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return fmt.Errorf("%q is not an operator (want $ and a name, e.g. $eq)", op)
		}
	}
	return nil
}

// allowedOp reports whether op is listed in AllowOperators.
func (in *Inspector) allowedOp(op string) bool {
	for _, a := range in.allowOps {
		if a == op {
			return true
		}
	}
	return false
}

// ErrMalformed is matched (errors.Is) by every error Inspect returns: the
// request could not be parsed, and the gateway answers 400.
var ErrMalformed = errors.New("malformed request")

// Inspect examines every attacker-controlled value of req: path parameters,
// query names and values, cookies, the configured headers, then the body by
// its media type. It returns the first finding that no exclusion covers. An
// error means the body could not be parsed (malformed JSON or multipart); it
// matches ErrMalformed.
func (in *Inspector) Inspect(req *Request) (Finding, bool, error) {
	if req == nil {
		return Finding{}, false, nil
	}
	s := in.getState()
	defer in.putState(s)
	if s.params(req.Params) || s.query(req.RawQuery, locQuery) || s.cookies(req.Header) ||
		s.headers(req.Header) {
		return s.finding, true, nil
	}
	if err := s.body(req.ContentType, req.Body, req.JSON); err != nil {
		return Finding{}, false, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return s.finding, s.found, nil
}

// isToken reports whether v is a non-empty RFC 9110 token.
func isToken(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
