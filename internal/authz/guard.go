package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authz/enumeration"
	"github.com/bulwark-gw/bulwark/internal/authz/policy"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/jsonread"
	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonfields"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// Records are the ownership records object rules ask and create routes fill
// (*ownership.Records).
type Records interface {
	Owner(ctx context.Context, objectType, objectID string) (owner string, found bool, err error)
	Record(ctx context.Context, objectType, objectID, owner string) error
}

// Deps are what a Guard uses beyond its options.
type Deps struct {
	// AdminRoles are the roles that open administrative routes
	// (identity.admin_roles).
	AdminRoles []string
	// Records returns the ownership records; New calls it only when a rule
	// needs them, and fails when it fails (no store configured).
	Records func() (Records, error)
	// Unauthenticated answers an anonymous caller on a route whose rules
	// compare with the caller: the route's 401 with its challenges. A bare
	// 401 when nil.
	Unauthenticated func() *httperr.Problem
	// Logger reports ownership that could not be recorded; slog.Default when nil.
	Logger *slog.Logger
	// Now is the clock of Retry-After; time.Now when nil.
	Now func() time.Time
	// Body and SetBody are how the rules that read the request body (body
	// owner rules, write-protected fields) reach it: Body returns the body the
	// request hygiene stage read and found to be JSON without duplicate keys
	// (false for any other body), SetBody replaces it with a rewrite of it,
	// fields removed. The gateway passes hygiene.UniqueKeyJSON and
	// hygiene.SetUniqueKeyJSON, so authz imports no other stage. New refuses
	// a route whose rules read the body without them.
	Body    func(*http.Request) ([]byte, bool)
	SetBody func(*http.Request, []byte)
}

// Guard is a route's authorization: roles, administrative routes, ownership
// (BOLA), write-protected fields (mass assignment), the CEL policy and the
// id-enumeration detector on the request, and ownership learning and list
// filtering on the answer. It is immutable and safe for concurrent use.
type Guard struct {
	o          Options
	adminRoles []string
	bodyPaths  []jsonfields.Path // per owner rule; zero for non-body rules
	readonly   []jsonfields.Path
	policy     *policy.Program
	enum       *enumeration.Detector
	filterArr  jsonfields.Path
	filterFld  jsonfields.Path
	recordPath jsonfields.Path // records_owner from response:<path>
	fromBody   bool            // records_owner reads the response body
	records    Records
	readsBody  bool
	body       func(*http.Request) ([]byte, bool)
	setBody    func(*http.Request, []byte)
	unauth     func() *httperr.Problem
	logger     *slog.Logger
	now        func() time.Time
}

// New compiles a route's authorization.
func New(o Options, d Deps) (*Guard, error) {
	g := &Guard{o: o, adminRoles: d.AdminRoles, unauth: d.Unauthenticated, logger: d.Logger, now: d.Now,
		body: d.Body, setBody: d.SetBody}
	if g.logger == nil {
		g.logger = slog.Default()
	}
	if g.now == nil {
		g.now = time.Now
	}
	var err error
	needRecords := o.RecordsOwner != nil
	g.bodyPaths = make([]jsonfields.Path, len(o.Owner))
	for i, r := range o.Owner {
		if r.Source == "body" {
			if g.bodyPaths[i], err = jsonfields.Compile(r.Name); err != nil {
				return nil, fmt.Errorf("owner rule %s: %w", r.ID, err)
			}
			g.readsBody = true
		}
		needRecords = needRecords || r.Object != ""
	}
	for _, f := range o.ReadonlyFields {
		p, err := jsonfields.CompileField(f)
		if err != nil {
			return nil, fmt.Errorf("readonly field %q: %w", f, err)
		}
		// Case-folded: Go and most JSON binders map "ROLE" onto a field named role.
		g.readonly = append(g.readonly, p.Fold())
		g.readsBody = true
	}
	if g.readsBody && (g.body == nil || g.setBody == nil) {
		return nil, errors.New("rules read the request body, but no body access was given (Deps.Body, Deps.SetBody)")
	}
	if o.Policy != "" {
		if g.policy, err = policy.Compile(o.Policy); err != nil {
			return nil, err
		}
	}
	if en := o.Enumeration; en != nil {
		g.enum, err = enumeration.New(enumeration.Config{Window: en.Window, MaxDistinct: en.MaxDistinct,
			MinRequests: en.MinRequests, MaxDeniedShare: float64(en.MaxDeniedPercent) / 100,
			Sequential: en.Sequential, BlockFor: en.BlockFor})
		if err != nil {
			return nil, fmt.Errorf("enumeration: %w", err)
		}
	}
	if f := o.FilterList; f != nil {
		if g.filterArr, err = jsonfields.Compile(f.Array); err == nil {
			g.filterFld, err = jsonfields.Compile(f.OwnerField)
		}
		if err != nil {
			return nil, fmt.Errorf("filter_list: %w", err)
		}
	}
	if ro := o.RecordsOwner; ro != nil && strings.HasPrefix(ro.From, "response:") {
		if g.recordPath, err = jsonfields.Compile(strings.TrimPrefix(ro.From, "response:")); err != nil {
			return nil, fmt.Errorf("records_owner: %w", err)
		}
		g.fromBody = true
	}
	if needRecords {
		if d.Records == nil {
			return nil, errors.New("ownership records need a store")
		}
		if g.records, err = d.Records(); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// ReadsBody reports whether the guard decides on fields of the request body
// (body ownership rules, write-protected fields). Such a route must refuse
// JSON with duplicate keys, so the guard reads the value the upstream will.
func (g *Guard) ReadsBody() bool { return g.readsBody }

// Check runs the route's authorization on an authenticated request: roles,
// administrative routes, enumeration blocks, ownership rules, write-protected
// fields and the CEL policy, in that order. The deciding rule and the object
// are noted on x. It may rewrite x.Req's body (readonly fields stripped).
func (g *Guard) Check(ctx context.Context, x *exchange.Exchange) *httperr.Problem {
	a, p := &g.o, x.Principal
	if p == nil && a.NeedsCaller() {
		x.Notes.Rule = "authenticated"
		if g.unauth != nil {
			return g.unauth()
		}
		return httperr.New(http.StatusUnauthorized, "credentials_missing", "This route needs credentials.")
	}
	if len(a.Roles) > 0 && !hasRoles(p, a.Roles, a.RolesAll) {
		x.Notes.Rule = "roles"
		return forbidden("insufficient_scope", "insufficient_role", "This route needs a role the caller does not hold.")
	}
	if a.Admin && !hasRoles(p, g.adminRoles, false) {
		x.Notes.Rule = "admin"
		return forbidden("insufficient_scope", "admin_only", "This route is administrative.")
	}
	if g.enum != nil && p != nil {
		if until, blocked := g.enum.Blocked(p.ID(), x.Route); blocked {
			x.Notes.Rule = "enumeration"
			return forbidden("enumeration_blocked", "enumeration_blocked",
				"Access to this route is suspended after suspected id enumeration.").
				WithHeader("Retry-After", httperr.RetryAfter(until.Sub(g.now()), 0))
		}
	}
	r := x.Req
	var body *jsonread.Index // the request's one reading of its body (exchange.JSON)
	if g.readsBody && (r.ContentLength != 0 || len(r.TransferEncoding) > 0) {
		// These rules read JSON: a body they cannot read must not slip past
		// them, nor one whose fields the upstream could read otherwise
		// (hygiene refused duplicate keys on this route: see ReadsBody).
		raw, ok := g.body(r)
		if !ok {
			return httperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type",
				"This route's authorization rules need a JSON body.")
		}
		if _, shared := x.Body(); !shared { // a caller that did not hand the body over
			x.SetBody(raw)
		}
		ix, err := x.JSON()
		if err != nil {
			return bodyFieldsProblem(fmt.Errorf("%w: %w", jsonfields.ErrInvalidJSON, err))
		}
		body = ix
	}
	if !hasRoles(p, a.OwnerExemptRoles, false) {
		for i := range a.Owner {
			if prob := g.checkOwner(ctx, i, x, body); prob != nil {
				return prob
			}
		}
	}
	if len(g.readonly) > 0 && body != nil {
		if prob := g.readonlyFields(x, body); prob != nil {
			return prob
		}
	}
	if g.policy != nil {
		ok, err := g.policy.Eval(policyInput(x))
		if err != nil || !ok {
			x.Notes.Rule = "policy"
			reason := "policy_denied"
			if err != nil {
				reason = "policy_error" // fail closed: an expression that cannot decide denies
			}
			return forbidden("policy_denied", reason, "The request is not allowed by this route's policy.")
		}
	}
	return nil
}

func forbidden(code, reason, detail string) *httperr.Problem {
	p := httperr.New(http.StatusForbidden, code, detail)
	p.Reason = reason
	return p
}

// hasRoles reports whether p holds any of roles, or all of them when all; a
// nil p and an empty roles hold nothing.
func hasRoles(p *principal.Principal, roles []string, all bool) bool {
	if len(roles) == 0 {
		return false
	}
	for _, r := range roles {
		has := p.HasRole(r)
		if all && !has {
			return false
		}
		if !all && has {
			return true
		}
	}
	return all
}

// principalValue returns sub, consumer or claim:NAME of p.
func principalValue(p *principal.Principal, which string) string {
	switch {
	case p == nil:
		return ""
	case which == "sub":
		return p.Subject
	case which == "consumer":
		return p.Consumer
	case strings.HasPrefix(which, "claim:"):
		if v, ok := p.Claims[strings.TrimPrefix(which, "claim:")]; ok {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// ownerIDs returns the object ids a rule checks.
func ownerIDs(o *OwnerRule, bodyPath jsonfields.Path, x *exchange.Exchange, body *jsonread.Index) ([]string, error) {
	switch o.Source {
	case "param":
		v, _ := x.Match.Param(o.Name)
		return []string{v}, nil
	case "query":
		return x.Req.URL.Query()[o.Name], nil
	case "header":
		return x.Req.Header.Values(o.Name), nil
	case "graphql":
		if x.GraphQL == nil { // config puts such rules on GraphQL routes only
			return nil, errors.New("authz: no admitted GraphQL operation to read " + o.Name)
		}
		return x.GraphQL.ArgValues(o.Name, o.Arg)
	default:
		if body == nil {
			return nil, nil
		}
		return jsonfields.ValuesIn(body, bodyPath)
	}
}

// checkOwner enforces one ownership rule on every id the request carries
// (batch endpoints are checked id by id; a GraphQL rule, every place the
// request selects its field: aliases, fragments, batched operations).
func (g *Guard) checkOwner(ctx context.Context, i int, x *exchange.Exchange, body *jsonread.Index) *httperr.Problem {
	o, p := &g.o.Owner[i], x.Principal
	ids, err := ownerIDs(o, g.bodyPaths[i], x, body)
	if o.Source == "graphql" && err == nil && len(ids) == 0 {
		return nil // the operations do not select the field: no object of this rule is asked for
	}
	if err != nil || len(ids) == 0 {
		// A rule whose id is missing cannot decide: the request is refused.
		x.Notes.Rule = o.ID
		where := o.Source + " " + o.Name
		if o.Source == "graphql" {
			where = "argument " + o.Arg + " of " + o.Name
		}
		return httperr.New(http.StatusBadRequest, "object_id_invalid",
			"The request must carry the object id this route checks ("+where+"), as plain values.").WithCause(err)
	}
	deny := func(id string) *httperr.Problem {
		x.Notes.Rule, x.Notes.Object = o.ID, objectRef(o, id)
		if o.Hide {
			pr := httperr.New(http.StatusNotFound, "route_not_found", "No route matches the request.")
			pr.Reason = "not_owner"
			return pr
		}
		return forbidden("not_owner", "not_owner", "The caller does not own this object.")
	}
	for _, id := range ids {
		if id == "" {
			return deny(id)
		}
		if x.Notes.Object == "" {
			x.Notes.Object = objectRef(o, id)
		}
		if o.Equals != "" {
			if want := principalValue(p, o.Equals); want == "" || id != want {
				return deny(id)
			}
			continue
		}
		owner, found, err := g.records.Owner(ctx, o.Object, id)
		switch {
		case err != nil:
			x.Notes.Rule = o.ID
			return httperr.New(http.StatusServiceUnavailable, "authz_unavailable",
				"Authorization is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
		case !found && o.AllowUnknown:
		case !found || p == nil || owner != p.Subject: // p nil: see NeedsCaller
			return deny(id)
		}
	}
	return nil
}

// objectRef is the audit object of a rule's id: type:id, the id cut at 128 bytes.
func objectRef(o *OwnerRule, id string) string {
	typ := o.Object
	if typ == "" {
		typ = o.Name
	}
	if len(id) > 128 {
		id = id[:128]
	}
	return typ + ":" + id
}

// readonlyFields refuses (422) or strips body fields the caller may not set.
func (g *Guard) readonlyFields(x *exchange.Exchange, body *jsonread.Index) *httperr.Problem {
	found, err := jsonfields.FindIn(body, g.readonly)
	if err != nil {
		return bodyFieldsProblem(err)
	}
	if len(found) == 0 {
		return nil
	}
	x.Notes.Rule = "readonly_fields"
	if g.o.OnReadonly == "reject" {
		p := httperr.New(http.StatusUnprocessableEntity, "readonly_field",
			"The request sets fields the caller may not set: "+strings.Join(found, ", ")+".")
		p.Reason = "mass_assignment"
		return p
	}
	out, _, err := jsonfields.StripIn(body, g.readonly)
	if err != nil {
		return bodyFieldsProblem(err)
	}
	// The rewrite is what the upstream and the guards after this one read; its
	// index is built by the next guard that asks (exchange.JSON).
	g.setBody(x.Req, out)
	x.SetBody(out)
	return nil
}

// bodyFieldsProblem answers a body whose write-protected fields could not be
// searched: refused, never forwarded unsearched.
func bodyFieldsProblem(err error) *httperr.Problem {
	if errors.Is(err, jsonfields.ErrTooDeep) {
		return httperr.New(http.StatusBadRequest, "json_too_deep",
			"The JSON body is nested too deep for this route's write-protected fields to be checked.").WithCause(err)
	}
	return httperr.New(http.StatusBadRequest, "json_invalid", "The request body is not valid JSON.").WithCause(err)
}

func policyInput(x *exchange.Exchange) *policy.Input {
	params := make(map[string]string, len(x.Match.Params))
	for _, kv := range x.Match.Params {
		params[kv.Name] = kv.Value
	}
	r := x.Req
	return &policy.Input{Principal: x.Principal, Params: params, Query: r.URL.Query(), Headers: r.Header,
		Method: r.Method, Path: r.URL.Path}
}
