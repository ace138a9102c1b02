package config

import (
	"net/http"
	"slices"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/inspect"
)

// inspectDetectors are Bulwark's own injection detectors, in the order they run.
var inspectDetectors = []string{"sqli", "nosqli", "cmdi", "traversal"}

// inspectLocations are the first segment of an exclusion's field.
var inspectLocations = []string{"query", "path", "cookie", "header", "form", "body"}

var guardModes = []string{"block", "monitor", "off"}

// defaultInspectHeaders are inspected unless a config names its own list: the
// two free-text headers applications commonly log or store.
var defaultInspectHeaders = []string{"Referer", "User-Agent"}

// checkInspect validates one inspect block where it is written.
func (d *decoder) checkInspect(c *inspectConfig, path string) {
	if c == nil {
		return
	}
	if c.Mode != nil {
		d.oneOf(path+".mode", *c.Mode, guardModes)
	}
	d.detectorList(c.Detectors, path+".detectors")
	for i, h := range c.Headers {
		d.headerName(indexPath(path+".headers", i), h)
	}
	d.operatorList(c.AllowOperators, path+".allow_operators")
	if c.MaxValues != nil && *c.MaxValues < 1 {
		d.errorf(path+".max_values", "must be at least 1, got %d", *c.MaxValues)
	}
	for i, e := range c.Exclude {
		p := indexPath(path+".exclude", i)
		if e.Field == nil {
			d.errorf(p+".field", "field is required (query.NAME, path.NAME, cookie.NAME, header.NAME, form.NAME or body.JSON.PATH)")
		} else {
			d.exclusionField(*e.Field, p+".field")
		}
		d.detectorList(e.Detectors, p+".detectors")
		d.operatorList(e.Operators, p+".operators")
		if len(e.Operators) > 0 && len(e.Detectors) > 0 {
			d.errorf(p+".operators", "operators and detectors do not combine: an exclusion with operators lets those NoSQL operators through on the field and turns no detector off")
		}
	}
}

func (d *decoder) operatorList(list []string, path string) {
	for i, op := range list {
		if len(op) < 2 || op[0] != '$' || strings.ContainsAny(op, " .[]") {
			d.errorf(indexPath(path, i), "expected a NoSQL operator like $eq or $in, got %q", op)
		}
	}
}

func (d *decoder) detectorList(list []string, path string) {
	for i, name := range list {
		d.oneOf(indexPath(path, i), name, inspectDetectors)
	}
}

// exclusionField checks "location.path": a known location and a non-empty
// dotted path without empty segments.
func (d *decoder) exclusionField(f, path string) {
	loc, rest, ok := strings.Cut(f, ".")
	switch {
	case !slices.Contains(inspectLocations, loc):
		d.errorf(path, "field must start with one of %s, got %q", strings.Join(inspectLocations, ", "), f)
	case !ok || rest == "" || slices.Contains(strings.Split(rest, "."), ""):
		d.errorf(path, "field needs a name or path after %q (e.g. %s.name; * is one segment, ** any depth), got %q", loc+".", loc, f)
	}
}

// buildInspect merges a route's inspect block over its API's. Exclusions and
// allowed operators add up; mode, detectors and headers are replaced.
func buildInspect(api, route *inspectConfig) Inspect {
	out := Inspect{Mode: "block", Config: inspect.Config{Detectors: slices.Clone(inspectDetectors),
		Headers: slices.Clone(defaultInspectHeaders), MaxValues: 10000}}
	for _, c := range []*inspectConfig{api, route} {
		if c == nil {
			continue
		}
		out.Mode = orDefault(c.Mode, out.Mode)
		out.MaxValues = orDefault(c.MaxValues, out.MaxValues)
		if c.Detectors != nil {
			out.Detectors = slices.Clone(c.Detectors)
		}
		if c.Headers != nil {
			out.Headers = out.Headers[:0:0]
			for _, h := range c.Headers {
				out.Headers = append(out.Headers, http.CanonicalHeaderKey(h))
			}
		}
		out.AllowOperators = append(out.AllowOperators, c.AllowOperators...)
		for _, e := range c.Exclude {
			out.Exclusions = append(out.Exclusions, InspectExclusion{Field: orDefault(e.Field, ""), Detectors: slices.Clone(e.Detectors),
				Operators: slices.Clone(e.Operators)})
		}
	}
	return out
}

// checkValidation validates one validation block where it is written.
func (d *decoder) checkValidation(c *validationConfig, path string, hasDoc bool) {
	if c == nil {
		return
	}
	if c.Mode != nil {
		d.oneOf(path+".mode", *c.Mode, guardModes)
		if *c.Mode != "off" && !hasDoc {
			d.errorf(path+".mode", "request validation needs an OpenAPI document: set openapi on the API")
		}
	}
	if c.UnknownQuery != nil {
		d.oneOf(path+".unknown_query", *c.UnknownQuery, []string{"allow", "reject"})
	}
}

// buildValidation merges a route's validation block over its API's: with a
// document attached, requests are validated and undeclared operations refused
// unless the config says otherwise.
func buildValidation(api, route *validationConfig, hasDoc bool) Validation {
	if !hasDoc {
		return Validation{Mode: "off"}
	}
	out := Validation{Mode: "block", Strict: true}
	for _, c := range []*validationConfig{api, route} {
		if c != nil {
			out.Mode = orDefault(c.Mode, out.Mode)
			out.Strict = orDefault(c.Strict, out.Strict)
			if c.UnknownQuery != nil {
				out.RejectUnknownQuery = *c.UnknownQuery == "reject"
			}
		}
	}
	return out
}

// checkWAF validates one waf block where it is written.
func (d *decoder) checkWAF(c *wafConfig, path string) {
	if c == nil {
		return
	}
	if c.Mode != nil {
		d.oneOf(path+".mode", *c.Mode, guardModes)
	}
	if c.Paranoia != nil && (*c.Paranoia < 1 || *c.Paranoia > 4) {
		d.errorf(path+".paranoia", "paranoia level must be 1, 2, 3 or 4, got %d", *c.Paranoia)
	}
	if c.AnomalyThreshold != nil && *c.AnomalyThreshold < 1 {
		d.errorf(path+".anomaly_threshold", "must be at least 1, got %d", *c.AnomalyThreshold)
	}
	for i, id := range c.RemoveRules {
		if id < 900000 || id > 999999 {
			d.errorf(indexPath(path+".remove_rules", i), "expected a CRS rule id (900000–999999), got %d", id)
		}
	}
}

// buildWAF merges a route's waf block over its API's.
func buildWAF(api, route *wafConfig) WAF {
	out := WAF{Mode: "off", Paranoia: 1, AnomalyThreshold: 5}
	for _, c := range []*wafConfig{api, route} {
		if c == nil {
			continue
		}
		out.Mode = orDefault(c.Mode, out.Mode)
		out.Paranoia = orDefault(c.Paranoia, out.Paranoia)
		out.AnomalyThreshold = orDefault(c.AnomalyThreshold, out.AnomalyThreshold)
		out.RemoveRules = append(out.RemoveRules, c.RemoveRules...)
	}
	return out
}
