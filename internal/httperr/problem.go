package httperr

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TypePrefix is the stable prefix of every problem type URI. The code follows it.
const TypePrefix = "urn:bulwark:problem:"

// Problem is a denial or failure a guard returns. Status, Code and Detail reach the
// client; Cause never does.
type Problem struct {
	Status int    // HTTP status
	Code   string // stable machine-readable code, e.g. "path_invalid"
	Title  string // short human summary; defaults to the status text
	Detail string // public explanation, safe to show the caller
	// Reason is the audit reason code; defaults to Code.
	Reason string
	// Cause is the internal error. It goes to diagnostics, never to the client.
	Cause error
	// Header holds extra response headers (Allow, Retry-After, WWW-Authenticate …).
	Header http.Header
	// Extensions are extra members of the problem object (RFC 9457 §3.2), such
	// as the failing fields of a validation error. Values are JSON-encoded with
	// HTML-significant characters escaped; they must never carry raw input.
	Extensions []Extension
	// Render, when set, writes the response body in place of the problem JSON
	// (a GraphQL endpoint answers in GraphQL's error shape). Header and the
	// request id header are still set; Render sets the status and content type.
	Render func(w http.ResponseWriter, requestID string)
}

// Extension is one extension member of a problem object.
type Extension struct {
	Name  string
	Value any
}

// WithExtension adds an extension member and returns p.
func (p *Problem) WithExtension(name string, v any) *Problem {
	p.Extensions = append(p.Extensions, Extension{Name: name, Value: v})
	return p
}

// New returns a Problem with the given status, code and public detail.
func New(status int, code, detail string) *Problem {
	return &Problem{Status: status, Code: code, Detail: detail}
}

// Error makes a Problem usable as an error.
func (p *Problem) Error() string {
	if p.Cause != nil {
		return p.Code + ": " + p.Cause.Error()
	}
	return p.Code + ": " + p.Detail
}

// Unwrap returns the cause.
func (p *Problem) Unwrap() error { return p.Cause }

// WithCause returns p with its internal cause set.
func (p *Problem) WithCause(err error) *Problem { p.Cause = err; return p }

// WithHeader returns p with a response header added.
func (p *Problem) WithHeader(k, v string) *Problem {
	if p.Header == nil {
		p.Header = make(http.Header, 1)
	}
	p.Header.Add(k, v)
	return p
}

// AuditReason is the reason code recorded in the audit event.
func (p *Problem) AuditReason() string {
	if p.Reason != "" {
		return p.Reason
	}
	return p.Code
}

type ctxKey struct{}

// WithRequestID stores the request id in ctx.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id stored in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Write renders p as application/problem+json. requestID is echoed in the body and in
// X-Request-Id. For status >= 500 the detail is replaced by a generic sentence unless
// the guard set one explicitly, and the cause is never written.
func Write(w http.ResponseWriter, requestID string, p *Problem) {
	if p == nil {
		p = New(http.StatusInternalServerError, "internal", "")
	}
	h := w.Header()
	for k, vs := range p.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if requestID != "" {
		h.Set("X-Request-Id", requestID)
	}
	if p.Render != nil {
		h.Del("Content-Type")
		p.Render(w, requestID)
		return
	}
	h.Del("Content-Length")
	title := p.Title
	if title == "" {
		title = http.StatusText(p.Status)
	}
	detail := p.Detail
	if p.Status >= 500 && detail == "" {
		detail = "The gateway could not complete the request."
	}
	var b strings.Builder
	b.Grow(160 + len(detail))
	b.WriteString(`{"type":`)
	appendJSONString(&b, TypePrefix+p.Code)
	b.WriteString(`,"title":`)
	appendJSONString(&b, title)
	b.WriteString(`,"status":`)
	b.WriteString(strconv.Itoa(p.Status))
	if detail != "" {
		b.WriteString(`,"detail":`)
		appendJSONString(&b, detail)
	}
	b.WriteString(`,"code":`)
	appendJSONString(&b, p.Code)
	if requestID != "" {
		b.WriteString(`,"request_id":`)
		appendJSONString(&b, requestID)
	}
	for _, e := range p.Extensions {
		v, err := json.Marshal(e.Value) // escapes <, > and & as \u003c …
		if err != nil {
			continue
		}
		b.WriteByte(',')
		appendJSONString(&b, e.Name)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString("}\n")
	w.WriteHeader(p.Status)
	_, _ = w.Write([]byte(b.String()))
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as a JSON string, escaping HTML-significant characters
// too so that reflected input can never become markup.
func appendJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else if r == '\u2028' || r == '\u2029' {
			b.WriteString(`\u202`)
			b.WriteByte(hexDigits[r&0xf])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
