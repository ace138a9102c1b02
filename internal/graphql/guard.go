package graphql

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Persisted-operation modes.
const (
	PersistedOff   = "off"
	PersistedAllow = "allow"
	PersistedLearn = "learn"
)

// Guard decides GraphQL requests for one schema and one set of options. It
// is safe for concurrent use.
type Guard struct {
	schema     *ast.Schema
	profile    // limits and maximum cost of callers without an override
	consumers  map[string]*profile
	listSize   int
	listArgs   []string
	weights    map[fieldKey]int
	rules      map[fieldKey]FieldRule
	introRoles []string
	nullDenied bool // OnDeniedField "null" or "omit": the request goes on without the field
	omitDenied bool // OnDeniedField "omit": the answer does not get null in its place
	readArgs   bool // Options.ReadArgs
	mode       string
	ops        map[string]string // persisted hash → text
	hashes     map[string]bool   // registered hashes (with or without text)
	onLearn    func(hash, name, query string)
	store      bool                              // Persisted.Store
	stored     atomic.Pointer[map[string]string] // registered in the store: hash → text ("" when unknown)
	validation []validator.Rule                  // gqlparser's rules but those below and those Bulwark enforces itself
	overlap    []validator.Rule                  // OverlappingFieldsCanBeMerged, run when mayOverlap says it could find something

	cache docCache

	learnMu     sync.Mutex
	learned     map[string]*Learned
	learnedText int
}

// profile is the limits and maximum cost a caller is held to.
type profile struct {
	limits  Limits
	maxCost int
}

// profileFor returns who's override, or the guard's own profile.
func (g *Guard) profileFor(who Caller) *profile {
	if len(g.consumers) > 0 {
		if who.Consumer != "" {
			if p := g.consumers[who.Consumer]; p != nil {
				return p
			}
		}
		if who.Subject != "" {
			if p := g.consumers[who.Subject]; p != nil {
				return p
			}
		}
	}
	return &g.profile
}

// Learned is one operation hash seen in learning mode, with its text while
// the texts kept stay under maxLearnedText.
type Learned struct {
	Hash  string `json:"hash"`
	Name  string `json:"operation_name,omitempty"`
	Count int64  `json:"count"`
	Query string `json:"query,omitempty"`
}

// Learning mode's memory bounds: past maxLearned hashes, new ones are in the
// log only; past maxLearnedText bytes of text, new hashes are kept without it.
const (
	maxLearned     = 10000
	maxLearnedText = 4 << 20
)

// Decision is an admitted request.
type Decision struct {
	// Cost is the static cost of every operation of the request, summed.
	Cost int
	// Operations is the number of operations (1 unless batched).
	Operations int
	// Hashes are the sha256 hex of each operation's text, in order, when
	// persisted operations are on or the client sent a hash ("" otherwise).
	Hashes []string
	// Denied are, per operation, the Type.field keys "null" mode left out;
	// Nulls is where the answer gets null for them (see SanitizeResponse).
	Denied [][]string
	Nulls  *Nulls
	// Body, when not nil, is the request body to send upstream instead of the
	// client's (fields left out in "null" mode); RawQuery, when not empty, the
	// URL query to send instead, for GET.
	Body     []byte
	RawQuery string

	ops []operation // what Inspection reads
}

// New builds a Guard. The schema is loaded and validated here, so a bad
// schema is an error at start or reload, never at request time.
func New(o Options) (*Guard, error) {
	s, err := LoadSchema(o.Schema, o.SchemaName)
	if err != nil {
		return nil, err
	}
	g := &Guard{schema: s, profile: profile{limits: o.limits(), maxCost: o.Cost.MaxCost}, listSize: o.Cost.DefaultListSize,
		listArgs: o.Cost.ListSizeArgs, weights: map[fieldKey]int{}, rules: map[fieldKey]FieldRule{},
		introRoles: slices.Clone(o.IntrospectionRoles), readArgs: o.ReadArgs, mode: o.Persisted.Mode, onLearn: o.OnLearn, store: o.Persisted.Store,
		ops: map[string]string{}, hashes: map[string]bool{}, learned: map[string]*Learned{}}
	g.maxCost = resolveCost(g.maxCost, 5000)
	for name, ov := range o.Consumers {
		if name == "" {
			return nil, errors.New("a consumer override needs a consumer name")
		}
		if g.consumers == nil {
			g.consumers = map[string]*profile{}
		}
		g.consumers[name] = &profile{limits: mergeLimits(ov.Limits, g.limits), maxCost: resolveCost(ov.MaxCost, g.maxCost)}
	}
	if g.listSize <= 0 {
		g.listSize = 10
	}
	if g.listArgs == nil {
		g.listArgs = []string{"first", "last", "limit"}
	}
	for k, v := range o.Cost.Weights {
		key, err := g.fieldName(k)
		if err != nil {
			return nil, fmt.Errorf("cost weight: %w", err)
		}
		if v < 0 {
			return nil, fmt.Errorf("cost weight of %s must not be negative", k)
		}
		g.weights[key] = v
	}
	for k, v := range o.Fields {
		key, err := g.fieldName(k)
		if err != nil {
			return nil, fmt.Errorf("field rule: %w", err)
		}
		g.rules[key] = v
	}
	if err := directiveRules(s, g.weights, g.rules); err != nil {
		return nil, err
	}
	switch o.OnDeniedField {
	case "", "refuse":
	case "null":
		g.nullDenied = true
	case "omit":
		g.nullDenied, g.omitDenied = true, true
	default:
		return nil, fmt.Errorf("on_denied_field must be refuse, null or omit, got %q", o.OnDeniedField)
	}
	switch g.mode {
	case "", PersistedOff:
		g.mode = PersistedOff
	case PersistedAllow, PersistedLearn:
	default:
		return nil, fmt.Errorf("persisted mode must be off, allow or learn, got %q", g.mode)
	}
	for h, text := range o.Persisted.Operations {
		h = strings.ToLower(h)
		if got := hashOf(text); got != h {
			return nil, fmt.Errorf("persisted operation %s: the text's sha256 is %s", h, got)
		}
		g.ops[h], g.hashes[h] = text, true
	}
	for _, h := range o.Persisted.Hashes {
		h = strings.ToLower(h)
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("persisted hash %q is not 64 hex digits", h)
		}
		g.hashes[h] = true
	}
	for name, fn := range rules.NewDefaultRules().GetInner() {
		switch name {
		case overlapRule:
			g.overlap = append(g.overlap, validator.Rule{Name: name, RuleFunc: fn})
		default:
			if slices.Contains(ownRules, name) {
				continue
			}
			g.validation = append(g.validation, validator.Rule{Name: name, RuleFunc: fn})
		}
	}
	sort.Slice(g.validation, func(i, j int) bool { return g.validation[i].Name < g.validation[j].Name })
	g.cache.init(16 << 20)
	return g, nil
}

// overlapRule is gqlparser's OverlappingFieldsCanBeMerged, run only on
// documents where it could find a conflict (mayOverlap).
const overlapRule = "OverlappingFieldsCanBeMerged"

// ownRules are gqlparser rules Bulwark enforces itself before validation
// (measureShape), with the same messages, so they never run:
// NoFragmentCycles (graphql_fragment_cycle, before any walk that could loop),
// UniqueFragmentNames, KnownFragmentNames, NoUnusedFragments,
// UniqueOperationNames and LoneAnonymousOperation (graphql_validation_failed).
var ownRules = []string{"NoFragmentCycles", "UniqueFragmentNames", "KnownFragmentNames", "NoUnusedFragments",
	"UniqueOperationNames", "LoneAnonymousOperation"}

// fieldName reads "Type.field", which must name a field of the schema.
func (g *Guard) fieldName(k string) (fieldKey, error) {
	key, ok := parseFieldKey(k)
	def := g.schema.Types[key.typ]
	switch {
	case !ok:
		return key, fmt.Errorf("%q is not Type.field", k)
	case def == nil:
		return key, fmt.Errorf("%q: the schema has no type %s", k, key.typ)
	case def.Fields.ForName(key.field) == nil:
		return key, fmt.Errorf("%q: type %s has no field %s", k, key.typ, key.field)
	}
	return key, nil
}

// Schema returns the loaded schema (read-only).
func (g *Guard) Schema() *ast.Schema { return g.schema }

// resolveCost reads a maximum cost: 0 is def, negative is no limit.
func resolveCost(c, def int) int {
	switch {
	case c == 0:
		return def
	case c < 0:
		return maxCount
	}
	return c
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Check decides one HTTP request: every operation in it must parse, stay
// within the limits, validate against the schema, be allowed to the caller
// and, together, cost no more than the maximum. Any failure refuses the
// whole request.
func (g *Guard) Check(r *Request, who Caller) (Decision, *Refusal) {
	var dec Decision
	p := g.profileFor(who)
	ops, ref := readRequest(r, &p.limits)
	if ref != nil {
		return dec, ref
	}
	dec.Operations = len(ops)
	dec.Hashes = make([]string, 0, len(ops))
	rewritten := false
	for i := range ops {
		cost, h, denied, paths, ref := g.checkOne(&ops[i], who, p)
		if ref != nil {
			return dec, ref
		}
		dec.Cost = satAdd(dec.Cost, cost)
		dec.Hashes = append(dec.Hashes, h)
		if dec.Cost > p.maxCost {
			return dec, costRefusal(dec.Cost, p.maxCost)
		}
		if len(denied) > 0 {
			if dec.Denied == nil {
				dec.Denied = make([][]string, len(ops))
				dec.Nulls = &Nulls{ops: make([][]nullPath, len(ops)), keys: dec.Denied}
			}
			dec.Denied[i], dec.Nulls.ops[i], rewritten = denied, paths, true
		}
	}
	if rewritten {
		var err error
		if dec.Body, dec.RawQuery, err = rebuild(r, ops); err != nil {
			return dec, refuse(http.StatusInternalServerError, "graphql_rewrite_failed", "The request could not be rewritten.")
		}
	}
	dec.ops = ops
	return dec, nil
}

// args reads the admitted request's arguments (nil when d is not admitted).
func (d *Decision) args(g *Guard) *Args {
	if len(d.ops) == 0 {
		return nil
	}
	return &Args{schema: g.schema, ops: d.ops}
}

func costRefusal(cost, limit int) *Refusal {
	return refuse(http.StatusBadRequest, "graphql_cost_exceeded",
		fmt.Sprintf("The operation's cost %d is over the limit %d.", cost, limit)).with("cost", cost).with("limit", limit)
}

func (g *Guard) checkOne(op *operation, who Caller, p *profile) (int, string, []string, []nullPath, *Refusal) {
	if !op.hasQuery {
		text, ok := g.registered(op.hash)
		switch {
		case op.hash == "":
			return 0, "", nil, nil, malformed("The request has no query.")
		case !ok:
			return 0, "", nil, nil, refuse(http.StatusBadRequest, "graphql_persisted_query_not_found",
				"The persisted query is not registered; send its text.")
		}
		op.query = text
	}
	var h string
	if g.mode != PersistedOff || op.hash != "" {
		h = hashOf(op.query) // only persisted operations need it
	}
	if op.hash != "" && op.hash != h {
		return 0, "", nil, nil, malformed("persistedQuery.sha256Hash does not match the query.")
	}
	if g.mode == PersistedAllow && !g.hashes[h] && !g.storedHash(h) {
		return 0, h, nil, nil, refuse(http.StatusForbidden, "graphql_operation_not_registered",
			"Only registered operations run on this endpoint.")
	}
	doc, ref := g.compile(op.query, &p.limits)
	if ref != nil {
		return 0, h, nil, nil, ref
	}
	op.doc = doc
	sel, ref := pickOperation(doc, op.name)
	if ref != nil {
		return 0, h, nil, nil, ref
	}
	if op.get && sel.Operation != ast.Query && sel.Operation != "" {
		return 0, h, nil, nil, refuse(http.StatusMethodNotAllowed, "graphql_mutation_over_get",
			"Only queries may be sent with GET; use POST.").with("allow", "POST")
	}
	vars, err := validator.VariableValues(g.schema, sel, op.variables)
	if err != nil {
		return 0, h, nil, nil, refuse(http.StatusBadRequest, "graphql_variables_invalid", gqlMessage(err))
	}
	op.sel, op.vars = sel, vars
	w := walk{g: g, vars: vars, memo: map[memoKey]int{}}
	cost := w.selection(sel.SelectionSet, false)
	if w.introspection && !anyOf(who.Roles, g.introRoles) {
		return 0, h, nil, nil, refuse(http.StatusForbidden, "graphql_introspection_disabled",
			"Introspection is not allowed for this caller.")
	}
	var denied []string
	var deniedAt []*ast.Field
	var paths []nullPath
	for i, key := range w.guarded {
		if allowed(g.rules[key], who) {
			continue
		}
		if !g.nullDenied {
			return 0, h, nil, nil, refuse(http.StatusForbidden, "graphql_field_forbidden",
				"The caller may not query "+key.String()+".").with("field", key.String())
		}
		denied, deniedAt = append(denied, key.String()), append(deniedAt, w.guardedAt[i])
	}
	if len(denied) > 0 {
		text, err := skipFields(op.query, deniedAt)
		if err != nil {
			return 0, h, nil, nil, refuse(http.StatusForbidden, "graphql_field_forbidden",
				"The caller may not query "+denied[0]+", and it cannot be left out.").with("field", denied[0])
		}
		if !g.omitDenied { // "omit": the fields stay absent, their errors carry no path
			at := make(map[*ast.Field]string, len(deniedAt))
			for i, f := range deniedAt {
				at[f] = denied[i]
			}
			var ok bool
			if paths, ok = nullPaths(g.schema, sel, at); !ok {
				return 0, h, nil, nil, refuse(http.StatusForbidden, "graphql_field_forbidden",
					"The caller may not query "+denied[0]+", and it is selected in too many places to be left out.").with("field", denied[0])
			}
		}
		op.rewritten, denied = text, uniqueKeys(denied)
	}
	if cost > p.maxCost {
		return 0, h, nil, nil, costRefusal(cost, p.maxCost)
	}
	if g.mode == PersistedLearn {
		g.learn(h, sel.Name, op.query)
	}
	return cost, h, denied, paths, nil
}

// compile parses, measures and validates a document, or takes it from the
// cache of valid documents; either way it is checked against l, the caller's
// limits.
func (g *Guard) compile(q string, l *Limits) (*ast.QueryDocument, *Refusal) {
	if e := g.cache.get(q); e != nil {
		if ref := e.stats.check(l); ref != nil {
			return nil, ref
		}
		return e.doc, nil
	}
	lex, ref := lexCheck(q, l)
	if ref != nil {
		return nil, ref
	}
	tokenLimit := 0 // lexCheck counted them; the parser's own count is a second line
	if l.MaxTokens < maxCount {
		tokenLimit = l.MaxTokens + 1
	}
	src := q
	if lex.comments {
		src = blankComments(q)
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: src}, tokenLimit)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "graphql_parse_failed", gqlMessage(err))
	}
	if len(doc.Operations) == 0 {
		return nil, refuse(http.StatusBadRequest, "graphql_parse_failed", "The document has no operation.")
	}
	if ref := fragmentLimit(len(doc.Fragments), l); ref != nil {
		return nil, ref
	}
	st, ref := measureShape(doc)
	if ref != nil {
		return nil, ref
	}
	st.lex = lex
	if ref := st.check(l); ref != nil {
		return nil, ref
	}
	errs := validator.Validate(g.schema, doc, g.validation...)
	if len(errs) == 0 && mayOverlap(doc, len(q)) {
		errs = validator.Validate(g.schema, doc, g.overlap...)
	}
	if len(errs) > 0 {
		ref := refuse(http.StatusBadRequest, "graphql_validation_failed", withoutSuggestion(errs[0].Message))
		if len(errs) > 1 {
			ref.with("more_errors", len(errs)-1)
		}
		return nil, ref
	}
	g.cache.put(q, &compiled{doc: doc, stats: st})
	return doc, nil
}

func gqlMessage(err error) string {
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		msg := withoutSuggestion(ge.Message)
		if len(ge.Locations) > 0 {
			msg = fmt.Sprintf("%s (line %d, column %d)", msg, ge.Locations[0].Line, ge.Locations[0].Column)
		}
		return msg
	}
	return withoutSuggestion(err.Error())
}

func pickOperation(doc *ast.QueryDocument, name string) (*ast.OperationDefinition, *Refusal) {
	if name == "" {
		if len(doc.Operations) == 1 {
			return doc.Operations[0], nil
		}
		return nil, refuse(http.StatusBadRequest, "graphql_operation_not_found",
			"The document has several operations; name one with operationName.")
	}
	for _, op := range doc.Operations {
		if op.Name == name {
			return op, nil
		}
	}
	return nil, refuse(http.StatusBadRequest, "graphql_operation_not_found",
		"The document has no operation named "+strconvQuote(name)+".")
}

func anyOf(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

func allowed(r FieldRule, who Caller) bool {
	for _, s := range r.Scopes {
		if !slices.Contains(who.Scopes, s) {
			return false
		}
	}
	return len(r.Roles) == 0 || anyOf(who.Roles, r.Roles)
}

func (g *Guard) learn(h, name, query string) {
	g.learnMu.Lock()
	e := g.learned[h]
	first := e == nil
	switch {
	case e != nil:
		e.Count++
	case len(g.learned) < maxLearned:
		e = &Learned{Hash: h, Name: name, Count: 1}
		if g.learnedText+len(query) <= maxLearnedText {
			e.Query = query
			g.learnedText += len(query)
		}
		g.learned[h] = e
	}
	g.learnMu.Unlock()
	if first && g.onLearn != nil {
		g.onLearn(h, name, query)
	}
}

// registered returns the text of a registered operation, from the config or
// the store.
func (g *Guard) registered(h string) (string, bool) {
	if text, ok := g.ops[h]; ok {
		return text, true
	}
	if m := g.stored.Load(); m != nil {
		if text := (*m)[h]; text != "" {
			return text, true
		}
	}
	return "", false
}

func (g *Guard) storedHash(h string) bool {
	if m := g.stored.Load(); m != nil {
		_, ok := (*m)[h]
		return ok
	}
	return false
}

// UsesStore says the guard's persisted operations are kept in the store
// (persisted.store): SetStored gives it those registered there.
func (g *Guard) UsesStore() bool { return g.store }

// SetStored replaces the operations registered in the store (hash → text,
// "" when only the hash is known); they run in allow mode beside the
// config's. Safe while requests are checked.
func (g *Guard) SetStored(ops map[string]string) {
	m := make(map[string]string, len(ops))
	for h, text := range ops {
		m[strings.ToLower(h)] = text
	}
	g.stored.Store(&m)
}

// Mode is the persisted-operation mode: off, allow or learn.
func (g *Guard) Mode() string { return g.mode }

// Learned returns the hashes learning mode has seen, most used first.
func (g *Guard) Learned() []Learned {
	g.learnMu.Lock()
	out := make([]Learned, 0, len(g.learned))
	for _, e := range g.learned {
		out = append(out, *e)
	}
	g.learnMu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Hash < out[j].Hash
	})
	return out
}
