package graphql

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Admit decides x's request on a GraphQL route, whose body hygiene has
// admitted and the gateway buffered (body: nil for GET). An admitted request
// leaves on x its cost (x.Cost, and the audit object graphql_cost:N), the
// fields "null" mode left out (x.Denied, for Response), with ReadArgs a
// reader of its arguments (x.GraphQL, for ownership rules) and, when inspect is
// set, what injection inspection reads instead of the body and the
// operation's URL parameters (x.Inspection). When fields were left out, x.Req
// is rewritten to the operation sent upstream: its URL query here, its body
// returned (nil: unchanged) for the caller to install. A refusal is a
// problem that renders in GraphQL's error shape.
func (g *Guard) Admit(x *exchange.Exchange, body []byte, inspect bool) (rewritten []byte, p *httperr.Problem) {
	r := x.Req
	req := Request{Method: r.Method, ContentType: r.Header.Get("Content-Type"), RawQuery: r.URL.RawQuery, Body: body,
		HasBody: r.Body != nil && r.Body != http.NoBody && (r.ContentLength != 0 || len(r.TransferEncoding) > 0)}
	if b, ok := x.Body(); ok && len(body) > 0 && len(b) == len(body) && &b[0] == &body[0] {
		req.x = x // body is the exchange's: read its index (hygiene's), not a second parse
	}
	var who Caller
	if x.Principal != nil {
		who = Caller{Roles: x.Principal.Roles, Scopes: x.Principal.Scopes,
			Consumer: x.Principal.Consumer, Subject: x.Principal.Subject}
	}
	dec, ref := g.Check(&req, who)
	if ref != nil {
		if f, ok := ref.Extensions["field"].(string); ok && f != "" {
			x.Notes.Rule = f
		}
		if c, ok := ref.Extensions["cost"].(int); ok {
			x.Notes.Object = costObject(c)
		}
		p := httperr.New(ref.Status, ref.Code, ref.Message)
		if allow, ok := ref.Extensions["allow"].(string); ok {
			p.WithHeader("Allow", allow)
		}
		p.Render = ref.Write
		return nil, p
	}
	x.Cost, x.Notes.Object = dec.Cost, costObject(dec.Cost)
	if g.readArgs {
		x.GraphQL = dec.args(g)
	}
	if dec.Denied != nil {
		if dec.RawQuery != "" {
			r.URL.RawQuery = dec.RawQuery
		}
		if dec.Body != nil {
			r.Header.Set("Content-Length", strconv.Itoa(len(dec.Body)))
		}
		x.Denied, x.Nulls = dec.Denied, dec.Nulls
		x.Notes.Rule = strings.Join(dec.Denied[firstDenied(dec.Denied)], ",")
	}
	if inspect { // each argument value on its own, never the query text
		x.Inspection = &exchange.Inspection{RawQuery: withoutParams(r.URL.RawQuery), Body: dec.Inspection()}
	}
	return dec.Body, nil
}

// costObject is the audit event's object for a priced GraphQL request.
func costObject(cost int) string { return "graphql_cost:" + strconv.Itoa(cost) }

func firstDenied(d [][]string) int {
	for i, keys := range d {
		if len(keys) > 0 {
			return i
		}
	}
	return 0
}

// params are the URL parameters that carry a GraphQL operation: inspection
// reads their content through Decision.Inspection, never as text.
var params = []string{"query", "operationName", "variables", "extensions"}

// withoutParams returns raw without the GraphQL operation parameters.
func withoutParams(raw string) string {
	if raw == "" {
		return raw
	}
	var b strings.Builder
	for part := range strings.SplitSeq(raw, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil && slices.Contains(params, n) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(part)
	}
	return b.String()
}

// Shape renders any other guard's problem on a GraphQL route in GraphQL's
// error shape, keeping its status, code, headers and (below 500) its
// extension members.
func Shape(p *httperr.Problem) *httperr.Problem {
	if p == nil || p.Render != nil {
		return p
	}
	msg := p.Detail
	if msg == "" || p.Status >= 500 {
		msg = http.StatusText(p.Status)
	}
	ref := &Refusal{Status: p.Status, Code: p.Code, Message: msg}
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
