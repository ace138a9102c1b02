package inspect

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/redact"
)

// Validator checks a request against the API's contract (*openapi.Validator).
type Validator interface {
	Validate(method, path, rawQuery string, h http.Header, body []byte) openapi.Result
}

// Firewall is the optional rule engine (the gateway adapts waf.WAF, Coraza
// with the OWASP CRS, so that inspect does not link it).
type Firewall interface {
	Check(r *http.Request, body []byte) (Verdict, error)
}

// Verdict is the engine's decision on one request (waf.Verdict).
type Verdict struct {
	Blocked bool
	// Status is the status the engine asks for (4xx; else 403).
	Status int
	// RuleIDs are the ids of the rules that contributed.
	RuleIDs []int
	Score   int
}

// Deps are what a Guard is built with besides its options: the engines the
// gateway builds (and shares between routes), and where findings go.
type Deps struct {
	// Validator is the contract check; nil when the API attaches no document
	// (validation is then off whatever its mode).
	Validator Validator
	// WAF is the engine; required when WAFOptions.Mode is not off.
	WAF Firewall
	// Logger receives findings (never values); nil discards them.
	Logger *slog.Logger
	// Alert counts a finding by kind ("injection_sqli", "waf_crs"); nil: none.
	Alert func(kind string)
}

// mode is what a request guard does with what it finds.
type mode uint8

const (
	modeOff mode = iota
	modeMonitor
	modeBlock
)

// parseMode reads a validated mode. Anything but an explicit "off" or
// "monitor" blocks: a guard never switches itself off by mistake.
func parseMode(s string) mode {
	switch s {
	case ModeOff:
		return modeOff
	case ModeMonitor:
		return modeMonitor
	}
	return modeBlock
}

func (m mode) String() string {
	switch m {
	case modeBlock:
		return ModeBlock
	case modeMonitor:
		return ModeMonitor
	}
	return ModeOff
}

// Guard is a route's positive model and injection detection, run in this
// order: the OpenAPI contract, Bulwark's detectors, then the optional rule
// engine. It is immutable and safe for concurrent use.
type Guard struct {
	validator Validator
	vMode     mode
	inspector *Inspector
	iMode     mode
	waf       Firewall
	wMode     mode
	logger    *slog.Logger
	alert     func(string)
	read      BodyReader // Admit's; set by ForRoute
}

// NewGuard builds a route's request guards; nil (and no error) when all
// three are off.
func NewGuard(v ValidationOptions, i Options, w WAFOptions, d Deps) (*Guard, error) {
	g := &Guard{vMode: parseMode(v.Mode), iMode: parseMode(i.Mode), wMode: parseMode(w.Mode),
		logger: d.Logger, alert: d.Alert}
	if g.logger == nil {
		g.logger = slog.New(slog.DiscardHandler)
	}
	if g.alert == nil {
		g.alert = func(string) {}
	}
	if g.vMode != modeOff && d.Validator != nil {
		g.validator = d.Validator
	} else {
		g.vMode = modeOff
	}
	if g.iMode != modeOff {
		in, err := New(i.Config)
		if err != nil {
			return nil, fmt.Errorf("inspect: %w", err)
		}
		g.inspector = in
	}
	if g.wMode != modeOff {
		if d.WAF == nil {
			return nil, errors.New("waf: mode " + w.Mode + " without an engine")
		}
		g.waf = d.WAF
	}
	if g.validator == nil && g.inspector == nil && g.waf == nil {
		return nil, nil
	}
	return g, nil
}

// Blocks reports whether any of the guards refuses what it finds (monitor
// mode decides nothing): the body it reads must then be the one the
// upstream reads (no duplicate JSON keys).
func (g *Guard) Blocks() bool {
	return g != nil && (g.vMode == modeBlock || g.iMode == modeBlock || g.wMode == modeBlock)
}

// Inspects reports whether the injection detectors run (x.Inspection is
// then worth preparing).
func (g *Guard) Inspects() bool { return g != nil && g.inspector != nil }

// ReadsBody reports whether Check reads r's body when the gateway has not
// buffered it already: form, multipart and text bodies (inspectableBody);
// every body for the rule engine.
func (g *Guard) ReadsBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && len(r.TransferEncoding) == 0) {
		return false
	}
	return g.waf != nil || inspectableBody(r.Header.Get("Content-Type"))
}

// inspectableBody reports whether the inspector reads bodies of this type:
// every type but the binary ones. A body without a Content-Type, or with one
// that does not parse, is read too — leaving the header off must not be a way
// around inspection.
func inspectableBody(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	top, sub, _ := strings.Cut(mt, "/")
	switch top {
	case "image", "audio", "video", "font":
		return false
	case "application":
		switch sub {
		case "octet-stream", "pdf", "zip", "gzip", "x-gzip", "zstd", "x-tar", "x-protobuf", "protobuf",
			"grpc", "wasm", "vnd.ms-excel", "msword":
			return false
		}
		return !strings.HasPrefix(sub, "vnd.openxmlformats") && !strings.HasSuffix(sub, "+zip")
	}
	return true
}

// Check runs the route's guards on x's request, whose body hygiene has
// admitted; the body is the one x holds (exchange.Body: nil when none or not
// read), and a JSON body is read through x's one index (exchange.JSON). A
// guard that cannot decide refuses the request. What was found is noted on x.
func (g *Guard) Check(x *exchange.Exchange) *httperr.Problem {
	r := x.Req
	body, _ := x.Body()
	if g.validator != nil {
		res := g.validator.Validate(r.Method, x.Path, r.URL.RawQuery, r.Header, body)
		if res.Status != 0 {
			if p := g.validationOutcome(res, x); p != nil {
				return p
			}
		}
	}
	if g.inspector != nil {
		req := Request{RawQuery: r.URL.RawQuery, Params: x.Match.Params, Header: r.Header,
			ContentType: r.Header.Get("Content-Type"), Body: body}
		if in := x.Inspection; in != nil { // each GraphQL argument value on its own, never the query text
			req.RawQuery, req.ContentType, req.Body = in.RawQuery, "application/json", in.Body
		} else if body != nil && kindOf(req.ContentType) == bodyJSON {
			// The request's one reading of its body; should it fail, the
			// inspector reads the body itself and reports why.
			if ix, err := x.JSON(); err == nil {
				req.JSON = ix
			}
		}
		f, found, err := g.inspector.Inspect(&req)
		switch {
		case err != nil:
			if g.iMode == modeBlock {
				return httperr.New(http.StatusBadRequest, "request_malformed",
					"The request could not be parsed for inspection.").WithCause(err)
			}
			// Not the parser's message: it can quote a line of the body.
			mt, _, _ := strings.Cut(req.ContentType, ";")
			g.logger.Info("request not inspectable (monitor)", "request_id", x.RequestID, "route", x.Route,
				"content_type", strings.TrimSpace(mt))
		case found:
			if p := g.findingOutcome(f, x); p != nil {
				return p
			}
		}
	}
	if g.waf != nil {
		v, err := g.waf.Check(wafRequest(r, x.Client), body)
		if err != nil {
			return httperr.New(http.StatusInternalServerError, "waf_error", "").WithCause(err)
		}
		if v.Blocked {
			return g.wafOutcome(v, x)
		}
	}
	return nil
}

// wafRequest gives the CRS the client address the gateway believes (through
// trusted_proxies), not the last proxy's, as REMOTE_ADDR.
func wafRequest(r *http.Request, client netip.Addr) *http.Request {
	_, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !client.IsValid() {
		return r
	}
	c := r.WithContext(r.Context()) // a shallow copy; the body is not read by Check
	c.RemoteAddr = net.JoinHostPort(client.String(), port)
	return c
}

// findingOutcome records a detector's finding and, in block mode, returns the
// 403 the client receives. The client learns the finding's id, class and
// where it was found, never the rule that matched or the value.
func (g *Guard) findingOutcome(f Finding, x *exchange.Exchange) *httperr.Problem {
	kind := "injection_" + f.Detector
	g.alert(kind)
	rule := f.Rule
	if f.Operators != "" { // operator names from a fixed list, what bulwark tune allows
		rule += ":" + f.Operators
	}
	x.Note(rule, f.Location+":"+f.Field)
	id := x.RequestID
	g.logger.Warn("injection finding", "finding_id", id, "mode", g.iMode.String(), "route", x.Route,
		"detector", f.Detector, "rule", rule, "location", f.Location, "field", redact.Mask(f.Field))
	if g.iMode != modeBlock {
		x.Notes.Reason = kind + "_monitored"
		return nil
	}
	p := httperr.New(http.StatusForbidden, "injection_detected",
		"The request was refused by the injection defence. Quote the finding id to the API's operators if it is legitimate.")
	p.Reason = kind
	return p.WithExtension("finding", findingMember{ID: id, Detector: f.Detector, Location: f.Location, Field: f.Field})
}

type findingMember struct {
	ID       string `json:"id"`
	Detector string `json:"detector"`
	Location string `json:"location,omitempty"`
	Field    string `json:"field,omitempty"`
}

// validationOutcome maps a contract violation to its problem (block) or to an
// audit note (monitor).
func (g *Guard) validationOutcome(res openapi.Result, x *exchange.Exchange) *httperr.Problem {
	var p *httperr.Problem
	switch res.Status {
	case http.StatusNotFound:
		p = httperr.New(http.StatusNotFound, "operation_undeclared", "The API does not declare this operation.")
	case http.StatusMethodNotAllowed:
		p = httperr.New(http.StatusMethodNotAllowed, "method_undeclared", "The API does not declare this method for this path.").
			WithHeader("Allow", strings.Join(res.Allow, ", "))
	case http.StatusUnsupportedMediaType:
		p = httperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "The API does not accept a body of this media type here.")
	default:
		p = httperr.New(http.StatusBadRequest, "request_invalid", "The request does not match the API's contract.")
	}
	if len(res.Errors) > 0 {
		p.WithExtension("errors", res.Errors)
	}
	if g.vMode != modeBlock {
		x.Notes.Reason = p.Code + "_monitored"
		g.logger.Info("contract violation (monitor)", "request_id", x.RequestID, "route", x.Route, "code", p.Code,
			"errors", len(res.Errors))
		return nil
	}
	return p
}

// wafOutcome records a CRS verdict and, in block mode, returns its problem.
func (g *Guard) wafOutcome(v Verdict, x *exchange.Exchange) *httperr.Problem {
	g.alert("waf_crs")
	ids := make([]string, 0, len(v.RuleIDs))
	for _, id := range v.RuleIDs {
		ids = append(ids, strconv.Itoa(id))
	}
	x.Note("crs:"+strings.Join(ids, ","), "")
	g.logger.Warn("waf finding", "finding_id", x.RequestID, "mode", g.wMode.String(), "route", x.Route,
		slog.Any("rules", v.RuleIDs), "score", v.Score)
	if g.wMode != modeBlock {
		x.Notes.Reason = "waf_monitored"
		return nil
	}
	status := v.Status
	if status < 400 || status > 499 {
		status = http.StatusForbidden
	}
	p := httperr.New(status, "waf_blocked", "The request was refused by the web application firewall.")
	return p.WithExtension("finding", findingMember{ID: x.RequestID, Detector: "crs"})
}
