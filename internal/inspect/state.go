package inspect

import (
	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/bulwark-gw/bulwark/internal/inspect/cmdi"
	"github.com/bulwark-gw/bulwark/internal/inspect/nosql"
	"github.com/bulwark-gw/bulwark/internal/inspect/sqli"
	"github.com/bulwark-gw/bulwark/internal/inspect/text"
	"github.com/bulwark-gw/bulwark/internal/inspect/traversal"
)

// location is where a value was found; its name is Finding.Location.
type location uint8

const (
	locQuery location = iota
	locQueryName
	locPath
	locCookie
	locHeader
	locBody
	locBodyKey
	locForm
	locFormName
	locMultipart
	locFilename
)

var locationNames = [...]string{
	locQuery:     "query",
	locQueryName: "query_name",
	locPath:      "path",
	locCookie:    "cookie",
	locHeader:    "header",
	locBody:      "body",
	locBodyKey:   "body_key",
	locForm:      "form",
	locFormName:  "form_name",
	locMultipart: "multipart",
	locFilename:  "filename",
}

func (l location) String() string { return locationNames[l] }

// scope is the location an exclusion names ("query", "form", "body", ...).
func (l location) scope() scope {
	switch l {
	case locQuery, locQueryName:
		return scopeQuery
	case locPath:
		return scopePath
	case locCookie:
		return scopeCookie
	case locHeader:
		return scopeHeader
	case locForm, locFormName, locMultipart, locFilename:
		return scopeForm
	default:
		return scopeBody
	}
}

// role says which detectors a string goes to beyond the string detectors.
type role uint8

const (
	roleValue    role = iota // sqli, nosql.Value, cmdi, traversal
	roleKey                  // a JSON key: nosql.Operator too
	roleName                 // a query, form or cookie name: nosql.QueryKey too
	roleFilename             // a multipart filename: traversal only
)

// Long values are inspected in overlapping windows so that no detector call
// costs more than a window's worth of work, while any payload up to
// windowOverlap bytes long lies whole inside at least one window.
const (
	windowSize    = 32 << 10
	windowOverlap = 4 << 10
)

// frame is one open JSON container: its kind, the byte range of its current
// key in state.keys (objects) or its current index (arrays).
type frame struct {
	object           bool
	keyStart, keyEnd int
	index            int
}

// segment is one step of a field's path, for exclusion matching. index marks
// a JSON array index, which only wildcards match.
type segment struct {
	text  string
	index bool
}

// state is one Inspect call's scratch space, pooled per Inspector so that a
// clean request allocates nothing.
type state struct {
	in      *Inspector
	n       int // values inspected so far
	found   bool
	finding Finding
	pending decode.Flags // evasive encodings met while decoding the value check receives next

	frames  []frame   // open JSON containers
	keys    []byte    // their current keys, unescaped, back to back
	scratch []byte    // the current JSON string value, unescaped
	segs    []segment // a field's path, built only when an exclusion is consulted

	// allowHere is opAllowed for the field in opLoc, opName, bound once:
	// the operator allowance of the value nosql.ValueAllowing is judging.
	allowHere func(op string) bool
	opLoc     location
	opName    string
}

// maxPooledBytes is the largest buffer a state keeps between requests: one
// huge body must not pin its memory in the pool for ever.
const maxPooledBytes = 64 << 10

func (in *Inspector) getState() *state {
	s, _ := in.pool.Get().(*state)
	if s == nil {
		s = &state{in: in}
		s.allowHere = func(op string) bool { return s.opAllowed(op, s.opLoc, s.opName) }
	}
	return s
}

func (in *Inspector) putState(s *state) {
	s.n, s.found, s.finding, s.pending, s.opName = 0, false, Finding{}, 0, ""
	s.frames, s.keys, s.segs = s.frames[:0], s.keys[:0], s.segs[:0]
	s.scratch = s.scratch[:0]
	if cap(s.scratch) > maxPooledBytes || cap(s.keys) > maxPooledBytes || cap(s.frames) > 1024 {
		return // let the GC have it
	}
	in.pool.Put(s)
}

// bytesString views b as a string without copying. The result is only used
// while b is not modified: it is handed to the decoder and the detectors,
// which keep nothing, and a Finding copies what it needs.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// check runs the enabled detectors on the decoded value v found at loc under
// name (for JSON locations the path comes from the open frames instead). It
// reports whether inspection must stop: a finding was recorded.
// decode is decode.Value, remembering evasive encodings for the next check.
func (s *state) decode(v string) string {
	out, f := decode.Inspect(v)
	s.pending |= f
	return out
}

// decodeQuery is decode.QueryComponent, remembering evasive encodings.
func (s *state) decodeQuery(v string) string {
	out, f := decode.InspectQueryComponent(v)
	s.pending |= f
	return out
}

func (s *state) check(loc location, name, v string, r role) bool {
	s.n++
	if s.n > s.in.maxValues {
		s.record(DetectorInspect, RuleTooManyValues, loc, name)
		return true
	}
	if f := s.pending; f != 0 {
		s.pending = 0
		// Overlong UTF-8 and %%XX escapes exist only to get past a decoder that
		// reads one form while the backend reads another (the IIS Unicode
		// traversal); no conforming client sends them.
		if s.in.detectors&detTraversal != 0 && s.hit(detTraversal, RuleEvasiveEncoding, loc, name) {
			return true
		}
	}
	if v == "" {
		return false
	}
	det := s.in.detectors
	if det&detNoSQLi != 0 {
		switch r {
		case roleKey:
			if op, hit := nosql.Operator(v); hit && s.operatorHit(op, loc, name) {
				return true
			}
		case roleName:
			if s.nameOperator(loc, name, v) {
				return true
			}
		}
	}
	if r == roleFilename {
		det &= detTraversal
	}
	if len(v) <= windowSize {
		return s.detect(det, r, loc, name, v)
	}
	for start := 0; ; {
		end := min(start+windowSize, len(v))
		for end < len(v) && !utf8.RuneStart(v[end]) {
			end--
		}
		if s.detect(det, r, loc, name, v[start:end]) || end == len(v) {
			return s.found
		}
		start = end - windowOverlap
		for start > 0 && !utf8.RuneStart(v[start]) {
			start--
		}
	}
}

// detect runs the string detectors of det on v.
func (s *state) detect(det detectorSet, r role, loc location, name, v string) bool {
	if det&detSQLi != 0 {
		if rule, hit := sqli.Detect(v); hit && (!s.prose(loc, name, v) || sqli.Complete(v)) && s.hit(detSQLi, rule, loc, name) {
			return true
		}
	}
	if det&detNoSQLi != 0 {
		allow := s.allowFor(loc, name)
		if rule, hit := nosql.ValueAllowing(v, allow); hit && !s.judgedByName(rule, r) &&
			(rule != nosql.RuleOperator && (rule != nosql.RuleJS || strings.ContainsAny(v, "'\"")) || !s.prose(loc, name, v)) &&
			s.hit(detNoSQLi, rule, loc, name) {
			if rule == nosql.RuleOperator {
				s.finding.Operators = strings.Join(nosql.EmbeddedOperators(v, allow), ",")
			}
			return true
		}
	}
	if det&detCmdi != 0 {
		if rule, hit := cmdi.Detect(v); hit {
			if rule == cmdi.RuleCode && !strings.Contains(v, "<?") && s.prose(loc, name, v) {
				// a call quoted in prose: judge what else the value holds
				rule, hit = cmdi.DetectCommands(v)
			}
			if hit && s.hit(detCmdi, rule, loc, name) {
				return true
			}
		}
	}
	if det&detTraversal != 0 {
		if rule, hit := traversal.Detect(v); hit && (!s.prose(loc, name, v) || traversal.Escapes(v) || strings.IndexByte(v, 0) >= 0) &&
			s.hit(detTraversal, rule, loc, name) {
			return true
		}
	}
	return false
}

// prose reports whether a value on which a detector fired reads as natural
// language (package text). Such a finding stands only when the injection is
// complete: SQL that leaves the query valid (sqli.Complete), a path that
// climbs out of its directory (traversal.Escapes; a NUL truncates whatever
// prose follows), a NoSQL operator document that is not a quotation inside a
// sentence or JavaScript without a quote to break out of, a shell-out call
// outside PHP tags (prose around it is a syntax error in eval'd code).
// Command lines are judged as they are: prose after an injected command
// only adds arguments to it, the command still runs. It is only
// asked after a hit, so clean values pay nothing.
// A field the contract declares (Config.TextFields) is judged by its
// declaration instead of its value's shape.
func (s *state) prose(loc location, name, v string) bool {
	if len(s.in.textFields) > 0 {
		sc := loc.scope()
		built := false
		for i := range s.in.textFields {
			f := &s.in.textFields[i]
			if f.x.scope != sc {
				continue
			}
			if !built {
				s.segments(sc, name)
				built = true
			}
			if f.x.match(s.segs) {
				return f.text == TextProse
			}
		}
	}
	return text.Prose(v)
}

// textField is a compiled TextField.
type textField struct {
	x    exclusion
	text Text
}

// nameOperator inspects a query, form or cookie name with nosql.QueryKey.
// QueryKey names the first operator only, so when that one is allowed every
// other segment is checked too: filters[$eq][$ne] must not pass on the
// strength of $eq. A finding names every operator of the name not allowed.
func (s *state) nameOperator(loc location, name, v string) bool {
	op, hit := nosql.QueryKey(v)
	if !hit {
		return false
	}
	found := !s.opAllowed(op, loc, name) && s.hit(detNoSQLi, RuleOperator, loc, name)
	var ops []string
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] != '[' && v[i] != ']' && v[i] != '.' {
			continue
		}
		if op, hit := nosql.Operator(v[start:i]); hit && !s.opAllowed(op, loc, name) {
			if !found && !s.hit(detNoSQLi, RuleOperator, loc, name) {
				return false // excluded from nosqli
			}
			found = true
			if !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
		}
		start = i + 1
	}
	if found {
		s.finding.Operators = strings.Join(ops, ",")
	}
	return found
}

// judgedByName reports whether a nosql.Value finding on a name is left to
// nameOperator: nosql.Value also reads bracketed operators in names
// (a[$eq]), but it cannot say which operator, so with AllowOperators set the
// name's segments are judged by nameOperator alone.
func (s *state) judgedByName(rule string, r role) bool {
	return r == roleName && rule == nosql.RuleOperator && (s.in.allowFn != nil || s.in.fieldOps)
}

// operatorHit records a NoSQL operator finding unless the route allows op.
func (s *state) operatorHit(op string, loc location, name string) bool {
	if s.opAllowed(op, loc, name) {
		return false
	}
	return s.opHit(op, loc, name)
}

// opHit records a NoSQL operator finding naming op unless an exclusion
// covers it.
func (s *state) opHit(op string, loc location, name string) bool {
	if !s.hit(detNoSQLi, RuleOperator, loc, name) {
		return false
	}
	s.finding.Operators = op
	return true
}

// opAllowed reports whether the route (AllowOperators) or an exclusion
// naming the field (Exclusion.Operators) allows op there.
func (s *state) opAllowed(op string, loc location, name string) bool {
	if s.in.allowedOp(op) {
		return true
	}
	return s.in.fieldOps && s.anyExclusion(loc, name, func(x *exclusion) bool { return slices.Contains(x.ops, op) })
}

// allowFor returns the operator allowance of a value at loc under name for
// nosql.ValueAllowing: nil when nothing is allowed anywhere on the route.
func (s *state) allowFor(loc location, name string) func(string) bool {
	if !s.in.fieldOps {
		return s.in.allowFn
	}
	s.opLoc, s.opName = loc, name
	return s.allowHere
}

// hit records a detector's finding unless an exclusion covers it.
func (s *state) hit(det detectorSet, rule string, loc location, name string) bool {
	if s.excluded(det, loc, name) {
		return false
	}
	s.record(detectorName(det), rule, loc, name)
	return true
}

func detectorName(det detectorSet) string {
	for _, d := range detectorNames {
		if d.bit == det {
			return d.name
		}
	}
	return DetectorInspect
}

// record keeps the first finding. Field is cloned: a form field's name is a
// view of the request body, which the caller may reuse after Inspect.
func (s *state) record(detector, rule string, loc location, name string) {
	s.found = true
	s.finding = Finding{Detector: detector, Rule: rule, Location: loc.String(),
		Field: strings.Clone(s.field(loc, name))}
}

// field renders the Finding.Field of a value: the name, or the JSON path of
// the open frames ("items[3].note").
func (s *state) field(loc location, name string) string {
	if loc != locBody && loc != locBodyKey {
		return printable(name)
	}
	var b []byte
	for i, f := range s.frames {
		if !f.object {
			b = append(b, '[')
			b = appendInt(b, f.index)
			b = append(b, ']')
			continue
		}
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, s.keys[f.keyStart:f.keyEnd]...)
	}
	return printable(bytesString(b))
}

func appendInt(b []byte, n int) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// excluded reports whether an exclusion turns det off for the field.
func (s *state) excluded(det detectorSet, loc location, name string) bool {
	return s.anyExclusion(loc, name, func(x *exclusion) bool { return x.detectors&det != 0 })
}

// anyExclusion reports whether an exclusion for which applies holds names
// the field.
func (s *state) anyExclusion(loc location, name string, applies func(x *exclusion) bool) bool {
	if len(s.in.exclusions) == 0 {
		return false
	}
	sc := loc.scope()
	built := false
	for i := range s.in.exclusions {
		x := &s.in.exclusions[i]
		if x.scope != sc || !applies(x) {
			continue
		}
		if !built {
			s.segments(sc, name)
			built = true
		}
		if x.match(s.segs) {
			return true
		}
	}
	return false
}

// segments fills s.segs with the path of a field in scope sc.
func (s *state) segments(sc scope, name string) {
	s.segs = s.segs[:0]
	switch sc {
	case scopeBody:
		for _, f := range s.frames {
			if f.object {
				s.segs = append(s.segs, segment{text: bytesString(s.keys[f.keyStart:f.keyEnd])})
			} else {
				s.segs = append(s.segs, segment{index: true})
			}
		}
	case scopeQuery, scopeForm:
		s.segs = appendNameSegments(s.segs, name)
	default:
		s.segs = append(s.segs, segment{text: name})
	}
}
