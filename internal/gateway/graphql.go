package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/filter/codec"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// introspectTimeout bounds fetching a schema from the upstream at start or
// reload.
const introspectTimeout = 10 * time.Second

// buildGraphQL builds a route's GraphQL guard; nil when the route is not
// GraphQL. A route that introspects asks its API's first target for the
// schema now: a failure fails the start or the reload (which keeps the
// serving state). Learning mode logs each new operation hash once.
func buildGraphQL(rt config.Route, api config.API, logger *slog.Logger) (*graphql.Guard, error) {
	if rt.GraphQL == nil {
		return nil, nil
	}
	o := *rt.GraphQL
	if o.Introspect {
		if len(api.Upstream.Targets) == 0 {
			return nil, errors.New("graphql: introspection needs an upstream target")
		}
		url := strings.TrimSuffix(api.Upstream.Targets[0], "/") + rt.Path
		ctx, cancel := context.WithTimeout(context.Background(), introspectTimeout)
		defer cancel()
		sdl, err := graphql.Introspect(ctx, &http.Client{Timeout: introspectTimeout}, url)
		if err != nil {
			return nil, fmt.Errorf("graphql: introspecting %s: %w", url, err)
		}
		o.Schema, o.SchemaName = sdl, "introspection of "+url
	}
	if o.Persisted.Mode == graphql.PersistedLearn && logger != nil {
		o.OnLearn = func(hash, name string) {
			logger.Info("graphql operation learned", "api", api.Name, "route", rt.Name, "hash", hash, "operation_name", name)
		}
	}
	g, err := graphql.New(o)
	if err != nil {
		return nil, fmt.Errorf("graphql: %w", err)
	}
	return g, nil
}

// admitGraphQL runs the route's GraphQL guard, then charges the operation's
// cost to the route's limits and quota with cost: graphql. They run here, not
// with the request-counting limits, because the cost exists only once the
// operation is parsed and priced; the request-counting limits still run
// before the body is read. A request the guard refuses spends no cost.
func (g *Gateway) admitGraphQL(w http.ResponseWriter, r *http.Request, entry *routeEntry, x *exchange.Exchange, ev *audit.Event) (*http.Request, *httperr.Problem) {
	r, dec, p := checkGraphQL(entry.graphql, r, &entry.limits, x.Principal, ev)
	if p != nil {
		return r, p
	}
	x.Req, x.Cost = r, dec.Cost
	if p := entry.rateLimits.ChargeCost(r.Context(), x); p != nil {
		return r, p
	}
	if entry.injection != nil && entry.injection.inspector != nil {
		r = r.WithContext(context.WithValue(r.Context(), inspectionKey{}, dec.Inspection()))
	}
	return r, nil
}

// inspectionKey carries Decision.Inspection to checkInjection.
type inspectionKey struct{}

// graphqlInspection returns what the injection inspector reads of an
// admitted GraphQL request instead of its body and operation parameters.
func graphqlInspection(r *http.Request) ([]byte, bool) {
	b, ok := r.Context().Value(inspectionKey{}).([]byte)
	return b, ok
}

// graphqlParams are the URL parameters that carry a GraphQL operation:
// inspection reads their content through Decision.Inspection, never as text.
var graphqlParams = []string{"query", "operationName", "variables", "extensions"}

// withoutGraphQLParams returns raw without the GraphQL operation parameters.
func withoutGraphQLParams(raw string) string {
	if raw == "" {
		return raw
	}
	var b strings.Builder
	for part := range strings.SplitSeq(raw, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil && slices.Contains(graphqlParams, n) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(part)
	}
	return b.String()
}

// costObject is the audit event's object for a priced GraphQL request.
func costObject(cost int) string { return "graphql_cost:" + strconv.Itoa(cost) }

// checkGraphQL runs the route's GraphQL guard on a request whose body hygiene
// has admitted. A refusal is answered in GraphQL's error shape. When the guard
// left denied fields out ("null" mode), the request sent upstream carries the
// rewritten operation, and the fields left out ride with it to the answer.
// The audit event's object records the request's computed cost.
func checkGraphQL(gq *graphql.Guard, r *http.Request, limits *hygiene.Limits, who *principal.Principal, ev *audit.Event) (*http.Request, graphql.Decision, *httperr.Problem) {
	req := graphql.Request{Method: r.Method, ContentType: r.Header.Get("Content-Type"), RawQuery: r.URL.RawQuery,
		HasBody: r.Body != nil && r.Body != http.NoBody && (r.ContentLength != 0 || len(r.TransferEncoding) > 0)}
	if r.Method == http.MethodPost {
		body, p := hygiene.BufferBody(r, limits)
		if p != nil {
			return r, graphql.Decision{}, p
		}
		req.Body = body
	}
	var caller graphql.Caller
	if who != nil {
		caller = graphql.Caller{Roles: who.Roles, Scopes: who.Scopes}
	}
	dec, ref := gq.Check(&req, caller)
	if ref == nil {
		ev.Object = costObject(dec.Cost)
		if dec.Denied == nil {
			return r, dec, nil
		}
		if dec.Body != nil {
			body := dec.Body
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		if dec.RawQuery != "" {
			r.URL.RawQuery = dec.RawQuery
		}
		ev.Rule = strings.Join(dec.Denied[firstDenied(dec.Denied)], ",")
		return r.WithContext(context.WithValue(r.Context(), deniedKey{}, dec.Denied)), dec, nil
	}
	if f, ok := ref.Extensions["field"].(string); ok {
		ev.Rule = f
	}
	if c, ok := ref.Extensions["cost"].(int); ok {
		ev.Object = costObject(c)
	}
	p := httperr.New(ref.Status, ref.Code, ref.Message)
	if allow, ok := ref.Extensions["allow"].(string); ok {
		p.WithHeader("Allow", allow)
	}
	p.Render = ref.Write
	return r, dec, p
}

func firstDenied(d [][]string) int {
	for i, keys := range d {
		if len(keys) > 0 {
			return i
		}
	}
	return 0
}

// deniedKey carries Decision.Denied from the request check to the answer.
type deniedKey struct{}

func deniedFields(r *http.Request) [][]string {
	d, _ := r.Context().Value(deniedKey{}).([][]string)
	return d
}

// graphqlShape renders any other guard's problem on a GraphQL route in
// GraphQL's error shape, keeping its status, code, headers and (below 500)
// its extension members.
func graphqlShape(p *httperr.Problem) *httperr.Problem {
	if p == nil || p.Render != nil {
		return p
	}
	msg := p.Detail
	if msg == "" || p.Status >= 500 {
		msg = http.StatusText(p.Status)
	}
	ref := &graphql.Refusal{Status: p.Status, Code: p.Code, Message: msg}
	if p.Status == http.StatusTooManyRequests {
		if v := p.Header.Get("Retry-After"); v != "" {
			if n, err := strconv.Atoi(v); err == nil {
				ref.Extensions = map[string]any{"retry_after": n}
			}
		}
	}
	if p.Status < 500 {
		// The problem's members (an injection finding, a contract's failing
		// fields) ride in extensions; they never carry raw input.
		for _, e := range p.Extensions {
			if ref.Extensions == nil {
				ref.Extensions = map[string]any{}
			}
			ref.Extensions[e.Name] = e.Value
		}
	}
	p.Render = ref.Write
	return p
}

// maxGraphQLResponse bounds the upstream answer the error sanitizer buffers.
const maxGraphQLResponse = 8 << 20

// graphqlResponse runs the GraphQL error sanitizer on the upstream's answer,
// then next (the exposure guards). A JSON answer that is too large or not a
// GraphQL response object is refused with a 502: its errors could not be
// checked.
func graphqlResponse(next func(*http.Response) error, denied [][]string) func(*http.Response) error {
	return func(resp *http.Response) error {
		if err := sanitizeGraphQL(resp, denied); err != nil {
			return graphqlShape(err)
		}
		if next == nil {
			return nil
		}
		return next(resp)
	}
}

func sanitizeGraphQL(resp *http.Response, denied [][]string) *httperr.Problem {
	if !isJSON(resp.Header.Get("Content-Type")) {
		return nil // an HTML error page: the exposure guard's error sanitizer handles it
	}
	enc := resp.Header.Get("Content-Encoding")
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxGraphQLResponse+1))
	resp.Body.Close()
	if err != nil {
		return httperr.New(http.StatusBadGateway, "upstream_unreachable", "").WithCause(err)
	}
	if len(raw) > maxGraphQLResponse {
		return httperr.New(http.StatusBadGateway, "response_too_large", "The upstream's answer is too large to be checked.")
	}
	body, err := codec.Decode(bytes.NewReader(raw), enc, maxGraphQLResponse)
	if err != nil {
		return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(err)
	}
	out, changed, err := graphql.SanitizeResponse(body, denied)
	if err != nil {
		return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(err)
	}
	if !changed {
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		return nil
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("ETag")
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return nil
}

// GraphQLLearned is what one GraphQL route in learning mode has seen.
type GraphQLLearned struct {
	API        string            `json:"api"`
	Route      string            `json:"route"`
	Operations []graphql.Learned `json:"operations"`
}

// GraphQLLearned lists the operations the serving state's GraphQL routes in
// learning mode have seen, route by route (a reload starts them afresh).
func (g *Gateway) GraphQLLearned() []GraphQLLearned {
	st := g.cur.Load()
	out := []GraphQLLearned{}
	for i := range st.routes {
		e := &st.routes[i]
		if e.graphql != nil && e.graphql.Mode() == graphql.PersistedLearn {
			out = append(out, GraphQLLearned{API: e.api, Route: e.name, Operations: e.graphql.Learned()})
		}
	}
	return out
}
