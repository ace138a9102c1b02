// Package tune turns monitor-mode injection findings into the narrowest
// exclusions that would have let those requests through: one per route,
// field and detector, with how many findings it covers and example field
// paths (never values). A NoSQL operator finding becomes an exclusion that
// lets only the operators seen through on that field (operators: [$ne]),
// never the route-wide allow_operators, and the NoSQL detector stays on
// there. Apply writes them into a config file as YAML that `bulwark check`
// accepts. It never proposes a switch-off of a route, a location or a
// detector; a finding on a value with no field name (a whole text body) can
// only be excluded for the whole location, and its proposal says so
// (Proposal.Wide), as does an operator finding whose operators the audit
// event does not name.
package tune

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/inspect/nosql"
)

// Event is what tune reads of one audit event (internal/audit.Event as
// JSON): the route, the decision's reason and rule, and the object
// ("location:field").
type Event struct {
	API    string `json:"api"`
	Route  string `json:"route"`
	Reason string `json:"reason"`
	Rule   string `json:"rule"`
	Object string `json:"object"`
}

// Stats counts what ReadEvents saw.
type Stats struct {
	Lines     int // events read
	Monitored int // monitor-mode injection findings (the ones tune learns from)
	Blocked   int // block-mode injection refusals (used with Options.Blocked)
	Skipped   int // lines that are not JSON events
}

// detectorOf returns the detector of a finding's rule ("sqli.union" is
// sqli, "nosql.operator" nosqli), or "" for the rules of other guards.
func detectorOf(rule string) string {
	prefix, _, ok := strings.Cut(rule, ".")
	if !ok {
		return ""
	}
	switch prefix {
	case "sqli", "cmdi", "traversal", "inspect":
		return prefix
	case "nosql":
		return "nosqli"
	}
	return ""
}

// ReadEvents reads audit events, one JSON object per line, and keeps the
// injection findings: events whose rule is a detector's (sqli.*, nosql.*,
// cmdi.*, traversal.*, inspect.*) and that name an object — those of
// monitor mode (whatever decided the request after the finding: a monitored
// finding keeps its rule when the upstream then fails), and refusals in
// block mode (reason injection_<detector>) when blocked is set.
// Event.Reason is returned as injection_<detector>.
func ReadEvents(r io.Reader, blocked bool) ([]Event, Stats, error) {
	var out []Event
	var st Stats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e Event
		if json.Unmarshal([]byte(line), &e) != nil || !strings.HasPrefix(line, "{") {
			st.Skipped++
			continue
		}
		if e, ok := st.Keep(e, blocked); ok {
			out = append(out, e)
		}
	}
	return out, st, sc.Err()
}

// Keep counts one event read from a log or a store and reports whether it
// is a finding to learn from (see ReadEvents), with its Reason set to
// injection_<detector>.
func (st *Stats) Keep(e Event, blocked bool) (Event, bool) {
	st.Lines++
	det := detectorOf(e.Rule)
	if det == "" || e.Object == "" {
		return e, false
	}
	// A monitored finding keeps its rule and object when a later stage
	// decides the request (the upstream failed: reason
	// upstream_unreachable); only a block-mode refusal has the reason
	// injection_<detector>.
	if e.Reason == "injection_"+det {
		st.Blocked++
		if !blocked {
			return e, false
		}
	} else {
		st.Monitored++
	}
	e.Reason = "injection_" + det
	return e, true
}

// Proposal is one exclusion: a detector off on one field of one route, or,
// with Operators, those NoSQL operators allowed on one field of one route
// (no detector off).
type Proposal struct {
	API, Route string
	Field      string   // exclusion field ("query.q", "body.items.*.note")
	Detector   string   // sqli, nosqli, cmdi, traversal
	Operators  []string // the operators seen, sorted; set only for NoSQL operator findings
	Count      int      // findings it covers
	Rules      []string // the detector rules that fired, sorted
	Examples   []string // up to three field paths as found ("body:items[3].note")
	// Wide is set when the exclusion is broader than what was seen: it
	// covers a whole location of the route (a finding on a value without a
	// field name), or turns the NoSQL detector off on a field because the
	// audit events do not name the operators. It says so.
	Wide string
}

// ruleOperators splits an audit rule into the detector's rule and the
// operators a NoSQL operator finding names ("nosql.operator:$gte,$in").
func ruleOperators(rule string) (string, []string) {
	base, ops, ok := strings.Cut(rule, ":")
	if !ok || ops == "" {
		return rule, nil
	}
	var out []string
	for op := range strings.SplitSeq(ops, ",") {
		if canon, ok := nosql.Operator(op); ok && canon == op {
			out = append(out, op)
		}
	}
	return base, out
}

// pathOperators returns the operators among the segments of an exclusion
// field (query.read.$ne): what an audit event without operator names still
// says about a name or key finding.
func pathOperators(field string) []string {
	var out []string
	for seg := range strings.SplitSeq(field, ".") {
		if op, ok := nosql.Operator(seg); ok && !slices.Contains(out, op) {
			out = append(out, op)
		}
	}
	return out
}

// Skipped are findings no exclusion fits, with why.
type Skipped struct {
	API, Route, Reason, Object, Why string
	Count                           int
}

// maxExamples bounds Proposal.Examples.
const maxExamples = 3

// Propose groups the findings by API, route, field pattern and detector.
// Field patterns are the finding's field with array indices and numeric
// name segments replaced by "*" (items[3].note and items[7].note are one
// proposal, body.items.*.note); nothing broader. minCount drops proposals
// seen fewer times.
//
// A NoSQL operator finding (rule nosql.operator) becomes an operator
// allowance on its field instead: the operators the events name (or, in
// events that name none, the operators in the field's path) on that field
// only. Without any operator to name it falls back to turning the NoSQL
// detector off on the field, and says so.
func Propose(events []Event, minCount int) ([]Proposal, []Skipped) {
	type key struct {
		api, route, field, det string
		ops                    bool
	}
	by := map[key]*Proposal{}
	skipped := map[[4]string]*Skipped{}
	for _, e := range events {
		det := strings.TrimPrefix(e.Reason, "injection_")
		field, wide, why := exclusionField(e.Object)
		if det == "inspect" {
			why = "too many values: raise inspect.max_values on the route instead"
		}
		if why != "" || e.Route == "" {
			if why == "" {
				why = "no route recorded"
			}
			k := [4]string{e.API, e.Route, e.Reason, e.Object}
			if skipped[k] == nil {
				skipped[k] = &Skipped{API: e.API, Route: e.Route, Reason: e.Reason, Object: e.Object, Why: why}
			}
			skipped[k].Count++
			continue
		}
		rule, ops := ruleOperators(e.Rule)
		if det == "nosqli" && rule == nosql.RuleOperator {
			if len(ops) == 0 {
				ops = pathOperators(field)
			}
			if len(ops) == 0 && wide == "" {
				wide = "turns the NoSQL detector off on " + field + ", $where JavaScript included: the audit events do not name the operators (a log from an older version); record a new run to allow only them"
			}
		} else {
			ops = nil
		}
		k := key{e.API, e.Route, field, det, len(ops) > 0}
		p := by[k]
		if p == nil {
			p = &Proposal{API: e.API, Route: e.Route, Field: field, Detector: det, Wide: wide}
			by[k] = p
		}
		p.Count++
		if rule != "" && !slices.Contains(p.Rules, rule) {
			p.Rules = append(p.Rules, rule)
		}
		for _, op := range ops {
			if !slices.Contains(p.Operators, op) {
				p.Operators = append(p.Operators, op)
			}
		}
		if len(p.Examples) < maxExamples && !slices.Contains(p.Examples, e.Object) {
			p.Examples = append(p.Examples, e.Object)
		}
	}
	var out []Proposal
	for _, p := range by {
		if p.Count >= max(minCount, 1) {
			sort.Strings(p.Rules)
			sort.Strings(p.Examples)
			sort.Strings(p.Operators)
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.API != b.API {
			return a.API < b.API
		}
		if a.Route != b.Route {
			return a.Route < b.Route
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		if a.Detector != b.Detector {
			return a.Detector < b.Detector
		}
		return len(a.Operators) < len(b.Operators)
	})
	var sk []Skipped
	for _, s := range skipped {
		sk = append(sk, *s)
	}
	sort.Slice(sk, func(i, j int) bool { return sk[i].Route+sk[i].Object < sk[j].Route+sk[j].Object })
	return out, sk
}

// scopes maps a finding's location to its exclusion scope.
var scopes = map[string]string{
	"query": "query", "query_name": "query", "path": "path", "cookie": "cookie", "header": "header",
	"body": "body", "body_key": "body", "form": "form", "form_name": "form", "multipart": "form", "filename": "form",
}

// exclusionField turns an audit object ("location:field") into the
// exclusion field that covers it and nothing else of its kind.
func exclusionField(object string) (field, wide, why string) {
	loc, name, ok := strings.Cut(object, ":")
	sc, known := scopes[loc]
	if !ok || !known {
		return "", "", "no field recorded (" + object + ")"
	}
	if strings.Contains(name, `\`) {
		return "", "", "the field name holds characters an exclusion cannot name"
	}
	var segs []string
	switch sc {
	case "query", "form", "body":
		segs = splitPath(name)
	default: // path, cookie and header names are one segment
		if name != "" {
			segs = []string{name}
		}
		if sc == "header" {
			segs = []string{strings.ToLower(name)}
		}
	}
	if len(segs) == 0 {
		return sc, "covers the whole " + sc + " of the route: the finding was on a value without a field name", ""
	}
	for _, s := range segs {
		if s == "" || s == "**" || strings.ContainsAny(s, ". \t") {
			return "", "", "the field name cannot be written as an exclusion path"
		}
	}
	return sc + "." + strings.Join(segs, "."), "", ""
}

// splitPath splits a JSON path ("items[3].note") or a bracket name
// ("filters[title][$eq]") into segments, numbers replaced by "*".
func splitPath(name string) []string {
	var segs []string
	cur := strings.Builder{}
	flush := func() {
		s := cur.String()
		cur.Reset()
		if s == "" {
			return
		}
		if _, err := strconv.Atoi(s); err == nil {
			s = "*"
		}
		segs = append(segs, s)
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '.', '[':
			flush()
		case ']':
			if cur.Len() == 0 && i > 0 && name[i-1] == '[' {
				segs = append(segs, "*") // a[] is an array
			}
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return segs
}

// Summary writes the proposals and skipped findings for people.
func Summary(w io.Writer, ps []Proposal, sk []Skipped, st Stats) {
	fmt.Fprintf(w, "bulwark tune: %d audit events, %d monitored injection findings, %d refusals in block mode\n", st.Lines, st.Monitored, st.Blocked)
	if len(ps) == 0 {
		fmt.Fprintln(w, "no exclusion to propose")
	}
	for _, p := range ps {
		what := "exclude " + p.Field + " from " + p.Detector
		if len(p.Operators) > 0 {
			what = "allow " + strings.Join(p.Operators, ", ") + " on " + p.Field + " only (" + p.Detector + " stays on)"
		}
		fmt.Fprintf(w, "  %s / %s: %s — %d finding(s) (%s), e.g. %s\n",
			p.API, p.Route, what, p.Count, strings.Join(p.Rules, ", "), strings.Join(p.Examples, ", "))
		if p.Wide != "" {
			fmt.Fprintf(w, "    WARNING: %s\n", p.Wide)
		}
	}
	for _, s := range sk {
		fmt.Fprintf(w, "  not proposed: %s / %s %s %s ×%d: %s\n", s.API, s.Route, s.Reason, s.Object, s.Count, s.Why)
	}
}
