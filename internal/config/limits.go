package config

import (
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/hygiene"
)

// mergeLimits validates one limits block at path and lays its set fields
// over base. The result never shares its ContentTypes slice with base.
func (d *decoder) mergeLimits(base Limits, l *limitsConfig, path string) Limits {
	out := base
	out.ContentTypes = slices.Clone(base.ContentTypes)
	out.KeepOverrideHeaders = slices.Clone(base.KeepOverrideHeaders)
	if l == nil {
		return out
	}
	if l.MaxHeaderBytes != nil {
		out.MaxHeaderBytes = d.intSize(path+".max_header_bytes", *l.MaxHeaderBytes, base.MaxHeaderBytes)
	}
	if l.MaxHeaderCount != nil {
		out.MaxHeaderCount = d.positiveInt(path+".max_header_count", *l.MaxHeaderCount, base.MaxHeaderCount)
	}
	if l.MaxBody != nil {
		out.MaxBodyBytes = d.positiveSize(path+".max_body", *l.MaxBody, base.MaxBodyBytes)
	}
	if l.ReadBodyTimeout != nil {
		out.ReadBodyTimeout = time.Duration(*l.ReadBodyTimeout)
		d.positive(path+".read_body_timeout", out.ReadBodyTimeout, "it is the defense against slow-POST attacks")
	}
	if l.JSONMaxDepth != nil {
		out.JSONMaxDepth = d.positiveInt(path+".json_max_depth", *l.JSONMaxDepth, base.JSONMaxDepth)
	}
	if l.JSONMaxBytes != nil {
		out.JSONMaxBytes = d.positiveSize(path+".json_max_bytes", *l.JSONMaxBytes, base.JSONMaxBytes)
	}
	if l.JSONDupKeys != nil {
		out.JSONDuplicateKeys = *l.JSONDupKeys
		d.oneOf(path+".json_duplicate_keys", out.JSONDuplicateKeys, []string{JSONDupGuarded, JSONDupReject})
	}
	if l.ContentTypes != nil {
		out.ContentTypes = d.contentTypes(path+".content_types", l.ContentTypes)
	}
	if l.KeepOverrideHeaders != nil {
		out.KeepOverrideHeaders = d.overrideHeaders(path+".keep_override_headers", l.KeepOverrideHeaders)
	}
	return out
}

// overrideHeaders validates a keep_override_headers list: each name must be one
// of the override headers the gateway strips, in any case. It returns the
// canonical names.
func (d *decoder) overrideHeaders(path string, in []string) []string {
	out := make([]string, 0, len(in))
	for i, name := range in {
		canon := http.CanonicalHeaderKey(strings.TrimSpace(name))
		if !slices.Contains(hygiene.OverrideHeaders, canon) {
			d.errorf(indexPath(path, i), "%q is not an override header; expected one of %s", name, strings.Join(hygiene.OverrideHeaders, ", "))
			continue
		}
		if !slices.Contains(out, canon) {
			out = append(out, canon)
		}
	}
	return out
}

// Values of limits.json_duplicate_keys.
const (
	// JSONDupGuarded refuses JSON bodies with duplicate keys on routes where
	// a guard reads the body (the default).
	JSONDupGuarded = hygiene.JSONDupGuarded
	// JSONDupReject refuses them on every route.
	JSONDupReject = hygiene.JSONDupReject
)

func (d *decoder) positiveInt(path string, v, fallback int) int {
	if v <= 0 {
		d.errorf(path, "must be greater than 0, got %d", v)
		return fallback
	}
	return v
}

func (d *decoder) positiveSize(path string, v Size, fallback int64) int64 {
	if v <= 0 {
		d.errorf(path, "must be greater than 0")
		return fallback
	}
	return int64(v)
}

// intSize is positiveSize for limits held in an int.
func (d *decoder) intSize(path string, v Size, fallback int) int {
	if v > math.MaxInt32 {
		d.errorf(path, "must be at most 2GiB")
		return fallback
	}
	return int(d.positiveSize(path, v, int64(fallback)))
}

// contentTypes validates and lower-cases media type patterns.
func (d *decoder) contentTypes(path string, in []string) []string {
	if len(in) == 0 {
		d.errorf(path, "list at least one media type (use \"*/*\" to allow any)")
	}
	out := make([]string, 0, len(in))
	for i, ct := range in {
		ct = strings.ToLower(strings.TrimSpace(ct))
		if !validMediaRange(ct) {
			d.errorf(indexPath(path, i), "expected a media type like application/json or application/*+json, got %q", in[i])
			continue
		}
		if !slices.Contains(out, ct) {
			out = append(out, ct)
		}
	}
	return out
}

// validMediaRange accepts type/subtype where each part is an RFC 9110 token
// or contains "*" wildcards, and no parameters.
func validMediaRange(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	return ok && validToken(typ) && validToken(sub) && (typ != "*" || sub == "*")
}

// validToken reports whether s is an RFC 9110 token ("*" is a token
// character, so wildcards pass).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
