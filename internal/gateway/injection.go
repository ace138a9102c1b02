package gateway

import (
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/redact"
	"github.com/bulwark-gw/bulwark/internal/route"
	"github.com/bulwark-gw/bulwark/internal/waf"
)

// guardMode is what a request guard does with what it finds.
type guardMode uint8

const (
	modeOff guardMode = iota
	modeMonitor
	modeBlock
)

// parseMode reads a validated mode. Anything but an explicit "off" or
// "monitor" blocks: a guard never switches itself off by mistake.
func parseMode(s string) guardMode {
	switch s {
	case "off":
		return modeOff
	case "monitor":
		return modeMonitor
	}
	return modeBlock
}

// injectionEntry is a route's positive model and injection detection, run in
// this order: the OpenAPI contract, Bulwark's detectors, then the optional
// Coraza + CRS engine. Each part is nil when off.
type injectionEntry struct {
	validator *openapi.Validator
	vMode     guardMode
	inspector *inspect.Inspector
	iMode     guardMode
	waf       *waf.WAF
	wMode     guardMode
	// bodyAll buffers every body for the WAF; otherwise only the media types
	// the inspector and validator read are buffered.
	bodyAll bool
}

// wafKey identifies one Coraza instance: routes with the same settings share
// it, and a reload keeps it (loading the CRS takes a while and much memory).
func wafKey(c config.WAF) string {
	ids := slices.Clone(c.RemoveRules)
	slices.Sort(ids)
	return fmt.Sprintf("pl%d/t%d/%v", c.Paranoia, c.AnomalyThreshold, ids)
}

// apiGuards holds what an API's routes share while a state is built.
type apiGuards struct {
	doc        *openapi.Doc
	validators map[openapi.ValidatorOptions]*openapi.Validator // routes with the same options share one
}

func (a *apiGuards) validator(o openapi.ValidatorOptions) (*openapi.Validator, error) {
	if v := a.validators[o]; v != nil {
		return v, nil
	}
	v, err := a.doc.NewValidator(o)
	if err != nil {
		return nil, err
	}
	if a.validators == nil {
		a.validators = map[openapi.ValidatorOptions]*openapi.Validator{}
	}
	a.validators[o] = v
	return v, nil
}

// buildInjection builds a route's injection guards; nil when all are off.
func buildInjection(rt config.Route, api *apiGuards, wafs map[string]*waf.WAF, prev map[string]*waf.WAF) (*injectionEntry, error) {
	e := &injectionEntry{vMode: parseMode(rt.Validation.Mode), iMode: parseMode(rt.Inspect.Mode), wMode: parseMode(rt.WAF.Mode)}
	if e.vMode != modeOff && api.doc != nil {
		v, err := api.validator(openapi.ValidatorOptions{Strict: rt.Validation.Strict, RejectUnknownQuery: rt.Validation.RejectUnknownQuery})
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		e.validator = v
	} else {
		e.vMode = modeOff
	}
	if e.iMode != modeOff {
		ic := inspectConfig(rt.Inspect)
		ic.TextFields = contractText(api.doc, rt)
		in, err := inspect.New(ic)
		if err != nil {
			return nil, fmt.Errorf("inspect: %w", err)
		}
		e.inspector = in
	}
	if e.wMode != modeOff {
		key := wafKey(rt.WAF)
		w := wafs[key]
		if w == nil {
			w = prev[key]
		}
		if w == nil {
			var err error
			w, err = waf.New(waf.Config{Paranoia: rt.WAF.Paranoia, AnomalyThreshold: rt.WAF.AnomalyThreshold,
				RemoveRules: rt.WAF.RemoveRules, BodyLimit: rt.Limits.MaxBodyBytes})
			if err != nil {
				return nil, err // the waf package names itself
			}
		}
		wafs[key] = w
		e.waf, e.bodyAll = w, true
	}
	if e.validator == nil && e.inspector == nil && e.waf == nil {
		return nil, nil
	}
	return e, nil
}

// contractText is what the API's OpenAPI document says about the text of
// the route's fields (x-bulwark-text: prose, formats, patterns, lengths),
// for the inspector's context-aware scoring; nil without a document or
// when the route does not name one method of one declared operation.
func contractText(doc *openapi.Doc, rt config.Route) []inspect.TextField {
	if doc == nil || len(rt.Methods) != 1 {
		return nil
	}
	op, ok := doc.Match(rt.Methods[0], rt.Path)
	if !ok {
		return nil
	}
	var out []inspect.TextField
	for _, f := range doc.TextFields(op.Method, op.Path) {
		t := inspect.TextStrict
		if f.Prose {
			t = inspect.TextProse
		}
		out = append(out, inspect.TextField{Field: f.Field, Text: t})
	}
	return out
}

func inspectConfig(c config.Inspect) inspect.Config {
	out := inspect.Config{Detectors: c.Detectors, Headers: c.Headers, AllowOperators: c.AllowOperators, MaxValues: c.MaxValues}
	for _, x := range c.Exclusions {
		out.Exclusions = append(out.Exclusions, inspect.Exclusion{Field: x.Field, Detectors: x.Detectors, Operators: x.Operators})
	}
	return out
}

// checkInjection runs the route's injection guards on a request whose body
// hygiene has admitted. A guard that cannot decide refuses the request.
func (g *Gateway) checkInjection(e *injectionEntry, r *http.Request, limits *hygiene.Limits, m *route.Match, ev *audit.Event) *httperr.Problem {
	body, p := guardBody(r, limits, e.bodyAll)
	if p != nil {
		return p
	}
	if e.validator != nil {
		res := e.validator.Validate(r.Method, ev.Path, r.URL.RawQuery, r.Header, body)
		if res.Status != 0 {
			if p := g.validationOutcome(e.vMode, res, ev); p != nil {
				return p
			}
		}
	}
	if e.inspector != nil {
		req := inspect.Request{RawQuery: r.URL.RawQuery, Params: m.Params, Header: r.Header,
			ContentType: r.Header.Get("Content-Type"), Body: body}
		if doc, ok := graphqlInspection(r); ok { // each argument value on its own, never the query text
			req.RawQuery, req.ContentType, req.Body = withoutGraphQLParams(req.RawQuery), "application/json", doc
		}
		f, found, err := e.inspector.Inspect(&req)
		switch {
		case err != nil:
			if e.iMode == modeBlock {
				return httperr.New(http.StatusBadRequest, "request_malformed",
					"The request could not be parsed for inspection.").WithCause(err)
			}
			// Not the parser's message: it can quote a line of the body.
			mt, _, _ := strings.Cut(req.ContentType, ";")
			g.logger.Info("request not inspectable (monitor)", "request_id", ev.RequestID, "route", ev.Route,
				"content_type", strings.TrimSpace(mt))
		case found:
			if p := g.findingOutcome(e.iMode, f, ev); p != nil {
				return p
			}
		}
	}
	if e.waf != nil {
		v, err := e.waf.Check(wafRequest(r, ev.ClientIP), body)
		if err != nil {
			return httperr.New(http.StatusInternalServerError, "waf_error", "").WithCause(err)
		}
		if v.Blocked {
			return g.wafOutcome(e.wMode, v, ev)
		}
	}
	return nil
}

// wafRequest gives the CRS the client address the gateway believes (through
// trusted_proxies), not the last proxy's, as REMOTE_ADDR.
func wafRequest(r *http.Request, client string) *http.Request {
	_, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || client == "" {
		return r
	}
	c := r.WithContext(r.Context()) // a shallow copy; the body is not read by Check
	c.RemoteAddr = net.JoinHostPort(client, port)
	return c
}

// guardBody returns the request body the guards read: the JSON body hygiene
// already holds, and form, multipart and text bodies read into memory within
// the route's limits. Other media types are read only for the WAF.
func guardBody(r *http.Request, limits *hygiene.Limits, all bool) ([]byte, *httperr.Problem) {
	if b, ok := hygiene.BufferedBody(r); ok {
		return b, nil
	}
	if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && len(r.TransferEncoding) == 0) {
		return nil, nil
	}
	if !all && !inspectableBody(r.Header.Get("Content-Type")) {
		return nil, nil
	}
	return hygiene.BufferBody(r, limits)
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

// findingOutcome records a detector's finding and, in block mode, returns the
// 403 the client receives. The client learns the finding's id, class and
// where it was found, never the rule that matched or the value.
func (g *Gateway) findingOutcome(mode guardMode, f inspect.Finding, ev *audit.Event) *httperr.Problem {
	kind := "injection_" + f.Detector
	g.metrics.Alert(kind)
	ev.Rule, ev.Object = f.Rule, f.Location+":"+f.Field
	if f.Operators != "" { // operator names from a fixed list, what bulwark tune allows
		ev.Rule += ":" + f.Operators
	}
	id := ev.RequestID
	g.logger.Warn("injection finding", "finding_id", id, "mode", modeName(mode), "route", ev.Route,
		"detector", f.Detector, "rule", ev.Rule, "location", f.Location, "field", redact.Mask(f.Field))
	if mode != modeBlock {
		ev.Reason = kind + "_monitored"
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
func (g *Gateway) validationOutcome(mode guardMode, res openapi.Result, ev *audit.Event) *httperr.Problem {
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
	if mode != modeBlock {
		ev.Reason = p.Code + "_monitored"
		g.logger.Info("contract violation (monitor)", "request_id", ev.RequestID, "route", ev.Route, "code", p.Code,
			"errors", len(res.Errors))
		return nil
	}
	return p
}

// wafOutcome records a CRS verdict and, in block mode, returns its problem.
func (g *Gateway) wafOutcome(mode guardMode, v waf.Verdict, ev *audit.Event) *httperr.Problem {
	g.metrics.Alert("waf_crs")
	ids := make([]string, 0, len(v.RuleIDs))
	for _, id := range v.RuleIDs {
		ids = append(ids, strconv.Itoa(id))
	}
	ev.Rule = "crs:" + strings.Join(ids, ",")
	g.logger.Warn("waf finding", "finding_id", ev.RequestID, "mode", modeName(mode), "route", ev.Route,
		slog.Any("rules", v.RuleIDs), "score", v.Score)
	if mode != modeBlock {
		ev.Reason = "waf_monitored"
		return nil
	}
	status := v.Status
	if status < 400 || status > 499 {
		status = http.StatusForbidden
	}
	p := httperr.New(status, "waf_blocked", "The request was refused by the web application firewall.")
	return p.WithExtension("finding", findingMember{ID: ev.RequestID, Detector: "crs"})
}

func modeName(m guardMode) string {
	switch m {
	case modeBlock:
		return "block"
	case modeMonitor:
		return "monitor"
	}
	return "off"
}
