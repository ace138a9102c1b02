package authz

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/authz/enumeration"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonfields"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

// MaxResponseBody bounds an answer the response guard reads into memory.
const MaxResponseBody = 10 << 20

// ReadsResponse reports whether the guard reads the upstream's answer
// (records_owner, filter_list): the gateway then asks for it uncompressed.
func (g *Guard) ReadsResponse() bool { return g.o.RecordsOwner != nil || g.o.FilterList != nil }

// Response returns the hook that learns ownership and filters lists on the
// upstream's answer to x, or nil when the route has neither. It runs on the
// answer as the upstream sent it, before the exposure guards.
func (g *Guard) Response(x *exchange.Exchange) func(*http.Response) error {
	if !g.ReadsResponse() {
		return nil
	}
	p := x.Principal
	return func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil
		}
		var body []byte
		if g.o.FilterList != nil || g.fromBody {
			if enc := resp.Header.Get("Content-Encoding"); enc != "" && enc != "identity" {
				return unfilterable(nil)
			}
			b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
			resp.Body.Close()
			if err != nil || len(b) > MaxResponseBody {
				return unfilterable(err)
			}
			body = b
		}
		if ro := g.o.RecordsOwner; ro != nil {
			if prob := g.learnOwner(resp, ro, body, p); prob != nil {
				return prob
			}
		}
		if f := g.o.FilterList; f != nil {
			var want []string // a caller without the value keeps no item, not the items without an owner
			if v := principalValue(p, f.Equals); v != "" {
				want = []string{v}
			}
			out, _, err := jsonfields.FilterArray(body, g.filterArr, g.filterFld, want)
			if err != nil {
				// Fail closed: a list that cannot be cut to the caller is not sent.
				return unfilterable(err)
			}
			body = out
			resp.Header.Del("ETag")
		}
		if body != nil {
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		}
		return nil
	}
}

func unfilterable(err error) *httperr.Problem {
	return httperr.New(http.StatusBadGateway, "response_unfilterable", "The upstream's answer could not be checked.").WithCause(err)
}

// learnOwner records the created object's owner from Location or the body.
// A record the store cannot take now is queued by the records (see
// ownership.Records.Record); when even that is refused (the outbox is full)
// the create is answered 503: fail closed rather than acknowledge an object
// whose owner is not kept.
func (g *Guard) learnOwner(resp *http.Response, ro *RecordsOwner, body []byte, p *principal.Principal) *httperr.Problem {
	var id string
	if ro.From == "location" {
		if loc := resp.Header.Get("Location"); loc != "" {
			id = path.Base(strings.SplitN(loc, "?", 2)[0])
		}
	} else if vals, err := jsonfields.Values(body, g.recordPath); err == nil && len(vals) == 1 {
		id = vals[0]
	}
	owner := principalValue(p, ro.Owner)
	if id == "" || id == "." || id == "/" || owner == "" {
		g.logger.Warn("created object's owner not recorded: no id in the response", "object", ro.Object)
		return nil
	}
	ctx := resp.Request.Context()
	// Never take over an object someone else owns: an upstream that answers 2xx to
	// a create with a client-chosen, existing id must not transfer ownership.
	if cur, found, err := g.records.Owner(ctx, ro.Object, id); err == nil && found && cur != owner {
		g.logger.Warn("created object already has another owner; ownership not changed", "object", ro.Object)
		return nil
	}
	switch err := g.records.Record(ctx, ro.Object, id, owner); {
	case errors.Is(err, ownership.ErrOutboxFull):
		return httperr.New(http.StatusServiceUnavailable, "authz_unavailable",
			"The object's owner could not be recorded; it may have been created but is not reachable through the gateway.").
			WithCause(err).WithHeader("Retry-After", "1")
	case err != nil:
		g.logger.Error("record object owner", "object", ro.Object, "error", err)
	}
	return nil
}

// Observe feeds the enumeration detector with an answered request: who
// (principal id, "" when anonymous) asked which route about which object
// (the audit object, type:id) and the status it got. It returns the alert
// when the request tripped a rule, else nil (also when the route does not
// watch for enumeration).
func (g *Guard) Observe(principalID, route, object string, status int) *enumeration.Alert {
	if g.enum == nil || principalID == "" {
		return nil
	}
	_, id, _ := strings.Cut(object, ":")
	return g.enum.Observe(principalID, route, id, status)
}
