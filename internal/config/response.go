package config

import (
	"maps"
	"net/http"
	"slices"
	"sort"

	"github.com/bulwark-gw/bulwark/internal/filter/media"
	"github.com/bulwark-gw/bulwark/internal/openapi"
)

var sensitiveKinds = []string{"card", "iban", "email", "phone", "ssn", "private_key", "cloud_key", "jwt", "api_key", "password_hash"}

// defaultSensitive redacts what no client should receive by accident and
// blocks private keys outright.
func defaultSensitive() map[string]string {
	return map[string]string{"card": "redact", "ssn": "redact", "iban": "redact", "private_key": "block",
		"cloud_key": "redact", "jwt": "redact", "api_key": "redact", "password_hash": "redact",
		"email": "monitor", "phone": "monitor"}
}

func defaultSecurityHeaders() map[string]string {
	return map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "no-referrer",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
}

// buildResponse merges a route's response block over its API's.
func (d *decoder) buildResponse(api, route *responseConfig, path string, hasDoc bool) Response {
	out := Response{Contract: hasDoc, SanitizeErrors: true, MaxBuffer: 1 << 20, OnOverflow: "block"}
	for _, c := range []*responseConfig{api, route} {
		if c == nil {
			continue
		}
		out.Contract = orDefault(c.Contract, out.Contract)
		if c.Allow != nil {
			out.Allow = slices.Clone(c.Allow)
		}
		if c.Deny != nil {
			out.Deny = slices.Clone(c.Deny)
		}
		if c.Views != nil {
			out.Views = nil
			for _, v := range c.Views {
				out.Views = append(out.Views, View{Roles: slices.Clone(v.Roles), Allow: slices.Clone(v.Allow)})
			}
		}
		if c.Sensitive != nil {
			out.Sensitive = defaultSensitive()
			maps.Copy(out.Sensitive, c.Sensitive)
		}
		out.SanitizeErrors = orDefault(c.SanitizeErrors, out.SanitizeErrors)
		out.Sanitize4xx = orDefault(c.Sanitize4xx, out.Sanitize4xx)
		out.MaxBuffer = int64(orDefault(c.MaxBuffer, Size(out.MaxBuffer)))
		out.OnOverflow = orDefault(c.OnOverflow, out.OnOverflow)
		if c.PassMediaTypes != nil {
			out.PassMediaTypes = slices.Clone(c.PassMediaTypes)
		}
	}
	for i, mt := range out.PassMediaTypes {
		if _, err := media.NewPolicy([]string{mt}); err != nil {
			d.errorf(indexPath(path+".pass_media_types", i), "%v", err)
		}
	}
	if out.Contract && !hasDoc {
		d.errorf(path+".contract", "contract filtering needs an OpenAPI document: set openapi on the API")
	}
	kinds := slices.Collect(maps.Keys(out.Sensitive))
	sort.Strings(kinds)
	for _, k := range kinds {
		if !slices.Contains(sensitiveKinds, k) {
			d.errorf(path+".sensitive."+k, "unknown kind %q (known: card, iban, email, phone, ssn, private_key, cloud_key, jwt, api_key, password_hash)", k)
		}
		d.oneOf(path+".sensitive."+k, out.Sensitive[k], []string{"redact", "block", "monitor", "off"})
	}
	for i, v := range out.Views {
		if len(v.Roles) == 0 || len(v.Allow) == 0 {
			d.errorf(indexPath(path+".views", i), "a view needs roles and allow")
		}
	}
	if out.MaxBuffer <= 0 {
		d.errorf(path+".max_buffer", "must be positive")
	}
	d.oneOf(path+".on_overflow", out.OnOverflow, []string{"block", "pass"})
	return out
}

func (d *decoder) buildSecurityHeaders(c *securityHeadersConfig, tls bool) SecurityHeaders {
	out := SecurityHeaders{Enabled: true, Set: defaultSecurityHeaders()}
	if tls {
		out.Set["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
	}
	if c == nil {
		return out
	}
	out.Enabled = orDefault(c.Enabled, true)
	for k, v := range c.Set {
		d.headerName("server.security_headers.set", k)
		if v == "" {
			delete(out.Set, http.CanonicalHeaderKey(k))
			continue
		}
		out.Set[http.CanonicalHeaderKey(k)] = v
	}
	return out
}

// checkOpenAPI loads and validates the attached document, so a broken contract
// is a config error, not a start-up failure.
func (d *decoder) checkOpenAPI(path, file string) {
	if _, ok := d.readFile(path, file); !ok {
		return
	}
	if _, err := openapi.Load(file); err != nil {
		d.errorf(path, "%v", err)
	}
}
