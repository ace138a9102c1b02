package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/authz/enumeration"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/authz/policy"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonfields"
	"github.com/bulwark-gw/bulwark/internal/principal"
	"github.com/bulwark-gw/bulwark/internal/route"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// maxGuardedBody bounds a response body a response guard reads into memory.
const maxGuardedBody = 10 << 20

// authzEntry is a route's compiled authorization.
type authzEntry struct {
	cfg        config.Authz
	adminRoles []string
	bodyPaths  []jsonfields.Path // per owner rule; zero for non-body rules
	readonly   []jsonfields.Path
	policy     *policy.Program
	enum       *enumeration.Detector
	filterArr  jsonfields.Path
	filterFld  jsonfields.Path
	recordPath jsonfields.Path // records_owner from response:<path>
	fromBody   bool            // records_owner reads the response body
	records    *ownership.Records
	// unauthenticated answers an anonymous caller (the route's auth lists
	// none) on a route whose rules compare with the caller; set by build.
	unauthenticated func() *httperr.Problem
}

// needsCaller reports whether the route's rules compare with the caller, so an
// anonymous request (auth lists none) cannot be decided and is refused: an
// anonymous caller holds no role and owns nothing. Config refuses such routes;
// this is the request-time guarantee.
func (e *authzEntry) needsCaller() bool {
	a := &e.cfg
	return len(a.Roles) > 0 || a.Admin || len(a.Owner) > 0 || a.RecordsOwner != nil || a.FilterList != nil
}

// anonymous is the answer to an anonymous caller on a route that needs one.
func (e *authzEntry) anonymous(ev *audit.Event) *httperr.Problem {
	ev.Rule = "authenticated"
	if e.unauthenticated != nil {
		return e.unauthenticated()
	}
	return httperr.New(http.StatusUnauthorized, authn.ReasonMissing, "This route needs credentials.")
}

// buildAuthz compiles a route's authorization settings.
func buildAuthz(a config.Authz, adminRoles []string, records func() (*ownership.Records, error)) (*authzEntry, error) {
	e := &authzEntry{cfg: a, adminRoles: adminRoles}
	var err error
	needRecords := a.RecordsOwner != nil
	e.bodyPaths = make([]jsonfields.Path, len(a.Owner))
	for i, o := range a.Owner {
		if o.Source == "body" {
			if e.bodyPaths[i], err = jsonfields.Compile(o.Name); err != nil {
				return nil, fmt.Errorf("owner rule %s: %w", o.ID, err)
			}
		}
		needRecords = needRecords || o.Object != ""
	}
	for _, f := range a.ReadonlyFields {
		p, err := jsonfields.CompileField(f)
		if err != nil {
			return nil, fmt.Errorf("readonly field %q: %w", f, err)
		}
		// Case-folded: Go and most JSON binders map "ROLE" onto a field named role.
		e.readonly = append(e.readonly, p.Fold())
	}
	if a.Policy != "" {
		if e.policy, err = policy.Compile(a.Policy); err != nil {
			return nil, err
		}
	}
	if en := a.Enumeration; en != nil {
		e.enum, err = enumeration.New(enumeration.Config{Window: en.Window, MaxDistinct: en.MaxDistinct,
			MinRequests: en.MinRequests, MaxDeniedShare: float64(en.MaxDeniedPercent) / 100,
			Sequential: en.Sequential, BlockFor: en.BlockFor})
		if err != nil {
			return nil, fmt.Errorf("enumeration: %w", err)
		}
	}
	if f := a.FilterList; f != nil {
		if e.filterArr, err = jsonfields.Compile(f.Array); err == nil {
			e.filterFld, err = jsonfields.Compile(f.OwnerField)
		}
		if err != nil {
			return nil, fmt.Errorf("filter_list: %w", err)
		}
	}
	if ro := a.RecordsOwner; ro != nil && strings.HasPrefix(ro.From, "response:") {
		if e.recordPath, err = jsonfields.Compile(strings.TrimPrefix(ro.From, "response:")); err != nil {
			return nil, fmt.Errorf("records_owner: %w", err)
		}
		e.fromBody = true
	}
	if needRecords {
		if e.records, err = records(); err != nil {
			return nil, err
		}
	}
	return e, nil
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

func forbidden(code, reason, detail string) *httperr.Problem {
	p := httperr.New(http.StatusForbidden, code, detail)
	p.Reason = reason
	return p
}

// authorize runs a route's authorization on an authenticated request: roles,
// administrative routes, enumeration blocks, ownership rules, write-protected
// fields and the CEL policy, in that order. It may rewrite r's body (strip).
func (g *Gateway) authorize(ctx context.Context, e *authzEntry, r *http.Request, m *route.Match, p *principal.Principal, ev *audit.Event) *httperr.Problem {
	a := &e.cfg
	if p == nil && e.needsCaller() {
		return e.anonymous(ev)
	}
	if len(a.Roles) > 0 && !hasRoles(p, a.Roles, a.RolesAll) {
		ev.Rule = "roles"
		return forbidden("insufficient_scope", "insufficient_role", "This route needs a role the caller does not hold.")
	}
	if a.Admin && !hasRoles(p, e.adminRoles, false) {
		ev.Rule = "admin"
		return forbidden("insufficient_scope", "admin_only", "This route is administrative.")
	}
	if e.enum != nil && p != nil {
		if until, blocked := e.enum.Blocked(p.ID(), ev.Route); blocked {
			ev.Rule = "enumeration"
			return forbidden("enumeration_blocked", "enumeration_blocked",
				"Access to this route is suspended after suspected id enumeration.").
				WithHeader("Retry-After", fmt.Sprint(max(ceilSeconds(until.Sub(g.now())), 1)))
		}
	}
	var body []byte
	if needsBody(e) && (r.ContentLength != 0 || len(r.TransferEncoding) > 0) {
		// These rules read JSON: a body they cannot read must not slip past
		// them, nor one whose fields the upstream could read otherwise
		// (hygiene refused duplicate keys on this route: see readsBody).
		var ok bool
		if body, ok = hygiene.UniqueKeyJSON(r); !ok {
			return httperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type",
				"This route's authorization rules need a JSON body.")
		}
	}
	if !hasRoles(p, a.OwnerExemptRoles, false) {
		for i := range a.Owner {
			if prob := g.checkOwner(ctx, e, i, r, m, body, p, ev); prob != nil {
				return prob
			}
		}
	}
	if len(e.readonly) > 0 && body != nil {
		if prob := e.readonlyFields(r, body, ev); prob != nil {
			return prob
		}
	}
	if e.policy != nil {
		ok, err := e.policy.Eval(policyInput(r, m, p))
		if err != nil || !ok {
			ev.Rule = "policy"
			reason := "policy_denied"
			if err != nil {
				reason = "policy_error" // fail closed: an expression that cannot decide denies
			}
			return forbidden("policy_denied", reason, "The request is not allowed by this route's policy.")
		}
	}
	return nil
}

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

func needsBody(e *authzEntry) bool {
	if len(e.readonly) > 0 {
		return true
	}
	return slices.ContainsFunc(e.cfg.Owner, func(o config.OwnerRule) bool { return o.Source == "body" })
}

// ownerIDs returns the object ids a rule checks.
func ownerIDs(o config.OwnerRule, bodyPath jsonfields.Path, r *http.Request, m *route.Match, body []byte) ([]string, error) {
	switch o.Source {
	case "param":
		v, _ := m.Param(o.Name)
		return []string{v}, nil
	case "query":
		return r.URL.Query()[o.Name], nil
	case "header":
		return r.Header.Values(o.Name), nil
	default:
		if body == nil {
			return nil, nil
		}
		return jsonfields.Values(body, bodyPath)
	}
}

// checkOwner enforces one ownership rule on every id the request carries
// (batch endpoints are checked id by id).
func (g *Gateway) checkOwner(ctx context.Context, e *authzEntry, i int, r *http.Request, m *route.Match, body []byte, p *principal.Principal, ev *audit.Event) *httperr.Problem {
	o := e.cfg.Owner[i]
	ids, err := ownerIDs(o, e.bodyPaths[i], r, m, body)
	if err != nil || len(ids) == 0 {
		// A rule whose id is missing cannot decide: the request is refused.
		ev.Rule = o.ID
		return httperr.New(http.StatusBadRequest, "object_id_invalid",
			"The request must carry the object id this route checks ("+o.Source+" "+o.Name+"), as plain values.").WithCause(err)
	}
	deny := func(id string) *httperr.Problem {
		ev.Rule, ev.Object = o.ID, objectRef(o, id)
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
		if ev.Object == "" {
			ev.Object = objectRef(o, id)
		}
		if o.Equals != "" {
			if want := principalValue(p, o.Equals); want == "" || id != want {
				return deny(id)
			}
			continue
		}
		owner, found, err := e.records.Owner(ctx, o.Object, id)
		switch {
		case err != nil:
			ev.Rule = o.ID
			return httperr.New(http.StatusServiceUnavailable, "authz_unavailable",
				"Authorization is temporarily unavailable.").WithCause(err).WithHeader("Retry-After", "1")
		case !found && o.AllowUnknown:
		case !found || p == nil || owner != p.Subject: // p nil: see needsCaller
			return deny(id)
		}
	}
	return nil
}

func objectRef(o config.OwnerRule, id string) string {
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
func (e *authzEntry) readonlyFields(r *http.Request, body []byte, ev *audit.Event) *httperr.Problem {
	found, err := jsonfields.Find(body, e.readonly)
	if err != nil {
		return bodyFieldsProblem(err)
	}
	if len(found) == 0 {
		return nil
	}
	ev.Rule = "readonly_fields"
	if e.cfg.OnReadonly == "reject" {
		p := httperr.New(http.StatusUnprocessableEntity, "readonly_field",
			"The request sets fields the caller may not set: "+strings.Join(found, ", ")+".")
		p.Reason = "mass_assignment"
		return p
	}
	out, _, err := jsonfields.Strip(body, e.readonly)
	if err != nil {
		return bodyFieldsProblem(err)
	}
	hygiene.SetUniqueKeyJSON(r, out)
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

func policyInput(r *http.Request, m *route.Match, p *principal.Principal) *policy.Input {
	params := make(map[string]string, len(m.Params))
	for _, kv := range m.Params {
		params[kv.Name] = kv.Value
	}
	return &policy.Input{Principal: p, Params: params, Query: r.URL.Query(), Headers: r.Header,
		Method: r.Method, Path: r.URL.Path}
}

// responseGuard returns the hook that learns ownership and filters lists on the
// upstream's answer, or nil when the route has neither.
func (g *Gateway) responseGuard(e *authzEntry, p *principal.Principal, logger *slog.Logger) func(*http.Response) error {
	if e == nil || (e.cfg.RecordsOwner == nil && e.cfg.FilterList == nil) {
		return nil
	}
	return func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil
		}
		var body []byte
		if e.cfg.FilterList != nil || e.fromBody {
			if enc := resp.Header.Get("Content-Encoding"); enc != "" && enc != "identity" {
				return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.")
			}
			b, err := io.ReadAll(io.LimitReader(resp.Body, maxGuardedBody+1))
			resp.Body.Close()
			if err != nil || len(b) > maxGuardedBody {
				return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(err)
			}
			body = b
		}
		if ro := e.cfg.RecordsOwner; ro != nil {
			g.learnOwner(resp, e, ro, body, p, logger)
		}
		if f := e.cfg.FilterList; f != nil {
			var want []string // a caller without the value keeps no item, not the items without an owner
			if v := principalValue(p, f.Equals); v != "" {
				want = []string{v}
			}
			out, _, err := jsonfields.FilterArray(body, e.filterArr, e.filterFld, want)
			if err != nil {
				// Fail closed: a list that cannot be cut to the caller is not sent.
				return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(err)
			}
			body = out
			resp.Header.Del("ETag")
		}
		if body != nil {
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
		}
		return nil
	}
}

// learnOwner records the created object's owner from Location or the body.
func (g *Gateway) learnOwner(resp *http.Response, e *authzEntry, ro *config.RecordsOwner, body []byte, p *principal.Principal, logger *slog.Logger) {
	var id string
	if ro.From == "location" {
		if loc := resp.Header.Get("Location"); loc != "" {
			id = path.Base(strings.SplitN(loc, "?", 2)[0])
		}
	} else if vals, err := jsonfields.Values(body, e.recordPath); err == nil && len(vals) == 1 {
		id = vals[0]
	}
	owner := principalValue(p, ro.Owner)
	if id == "" || id == "." || id == "/" || owner == "" {
		logger.Warn("created object's owner not recorded: no id in the response", "object", ro.Object)
		return
	}
	// Never take over an object someone else owns: an upstream that answers 2xx to
	// a create with a client-chosen, existing id must not transfer ownership.
	if cur, found, err := e.records.Owner(resp.Request.Context(), ro.Object, id); err == nil && found && cur != owner {
		logger.Warn("created object already has another owner; ownership not changed", "object", ro.Object)
		return
	}
	if err := e.records.Record(resp.Request.Context(), ro.Object, id, owner); err != nil {
		logger.Error("record object owner", "object", ro.Object, "error", err)
	}
}

var errNoRecords = errors.New("ownership records need a store")

// ownerRecords creates the shared ownership records on first use and keeps
// them for the gateway's life (reloads reuse them).
type ownerRecords struct {
	store  *store.Store
	logger *slog.Logger
	mu     sync.Mutex
	rec    *ownership.Records
}

func (o *ownerRecords) get() (*ownership.Records, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rec != nil {
		return o.rec, nil
	}
	if o.store == nil {
		return nil, errNoRecords
	}
	rec, err := ownership.New(o.store, ownership.Config{}, o.logger)
	if err != nil {
		return nil, err
	}
	rec.Start(context.Background()) // stopped by close
	o.rec = rec
	return rec, nil
}

func (o *ownerRecords) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rec != nil {
		o.rec.Close()
	}
}

// requireScopes checks the route's scopes, all-of or any-of.
func requireScopes(p *principal.Principal, want []string, any bool) *httperr.Problem {
	if !any || len(want) == 0 {
		return authn.RequireScopes(p, want)
	}
	for _, s := range want {
		if p.HasScope(s) {
			return nil
		}
	}
	return authn.RequireScopes(p, want[:1]) // renders the 403 with the challenge
}

// observeEnumeration feeds the detector with the answered request; a tripped
// rule becomes an audit alert event, a metric and a warning.
func (g *Gateway) observeEnumeration(d *enumeration.Detector, ev *audit.Event) {
	_, id, _ := strings.Cut(ev.Object, ":")
	alert := d.Observe(ev.Principal, ev.Route, id, ev.Status)
	if alert == nil {
		return
	}
	kind := "enumeration_" + alert.Rule
	g.metrics.Alert(kind)
	g.logger.Warn("suspected object-id enumeration", "principal", alert.Principal, "route", alert.Route,
		"rule", alert.Rule, "distinct", alert.Distinct, "denied", alert.Denied, "requests", alert.Requests)
	a := *ev
	a.Decision, a.Reason, a.Rule = "alert", kind, "enumeration"
	a.Time = g.now()
	g.audit.Record(a)
}
