package graphql

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Request is the part of an HTTP request the guard reads.
type Request struct {
	Method      string
	ContentType string
	// RawQuery is the URL's query string (GET requests carry the operation there).
	RawQuery string
	// Body is the whole request body (the gateway buffers it within its limits).
	Body []byte
}

// operation is one GraphQL request of a (possibly batched) HTTP request.
type operation struct {
	query     string
	hasQuery  bool
	name      string
	variables map[string]any
	hash      string // the sha256 the client claims (persisted query), lower-case hex
	get       bool
}

// readRequest turns the HTTP request into its operations, refusing anything
// ambiguous: a duplicate or case-variant member, a non-string query, a batch
// larger than the limit. Cost is linear in the request's size.
func readRequest(r *Request, l *Limits) ([]operation, *Refusal) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if int64(len(r.RawQuery)) > l.MaxBytes {
			return nil, tooLarge(l)
		}
		op, ref := fromParams(r.RawQuery)
		if ref != nil {
			return nil, ref
		}
		op.get = true
		return []operation{op}, nil
	case http.MethodPost:
	default:
		return nil, refuse(http.StatusMethodNotAllowed, "graphql_method_not_allowed",
			"GraphQL requests use GET or POST.").with("allow", "GET, POST")
	}
	if int64(len(r.Body)) > l.MaxBytes {
		return nil, tooLarge(l)
	}
	mt, _, err := mime.ParseMediaType(r.ContentType)
	if err != nil && r.ContentType != "" {
		return nil, unsupportedType()
	}
	switch mt {
	case "application/graphql":
		op, ref := fromParams(r.RawQuery)
		if ref != nil {
			return nil, ref
		}
		if op.hasQuery {
			return nil, malformed("An application/graphql request carries its query in the body, not the URL.")
		}
		op.query, op.hasQuery = string(r.Body), true
		return []operation{op}, nil
	case "application/json", "":
		return fromJSON(r.Body, l)
	}
	return nil, unsupportedType()
}

func unsupportedType() *Refusal {
	return refuse(http.StatusUnsupportedMediaType, "graphql_unsupported_media_type",
		"A GraphQL POST must be application/json or application/graphql.")
}

func malformed(msg string) *Refusal {
	return refuse(http.StatusBadRequest, "graphql_request_malformed", msg)
}

func tooLarge(l *Limits) *Refusal {
	return refuse(http.StatusRequestEntityTooLarge, "graphql_request_too_large",
		"The GraphQL request is larger than this endpoint accepts.").with("limit", l.MaxBytes)
}

// fromParams reads a GET request's (or application/graphql's) parameters.
func fromParams(rawQuery string) (operation, *Refusal) {
	var op operation
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		return op, malformed("The query string does not parse.")
	}
	for k, v := range vals {
		if len(v) > 1 {
			return op, malformed("The parameter " + strconvQuote(k) + " is repeated.")
		}
	}
	if q, ok := vals["query"]; ok {
		op.query, op.hasQuery = q[0], true
	}
	op.name = vals.Get("operationName")
	if v := vals.Get("variables"); v != "" {
		vars, ref := decodeVariables([]byte(v))
		if ref != nil {
			return op, ref
		}
		op.variables = vars
	}
	if v := vals.Get("extensions"); v != "" {
		h, ref := persistedHash([]byte(v))
		if ref != nil {
			return op, ref
		}
		op.hash = h
	}
	return op, nil
}

// fromJSON reads a JSON body: one request object or a batch (an array).
func fromJSON(body []byte, l *Limits) ([]operation, *Refusal) {
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) == 0 {
		return nil, malformed("The request body is empty.")
	}
	if body[0] != '[' {
		op, ref := fromObject(body)
		if ref != nil {
			return nil, ref
		}
		return []operation{op}, nil
	}
	// Count the batch before decoding its members.
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil, malformed("The request body is not valid JSON.")
	}
	var raws []json.RawMessage
	for dec.More() {
		if len(raws) >= l.MaxBatch {
			return nil, refuse(http.StatusBadRequest, "graphql_batch_too_large",
				"The batch has more operations than this endpoint accepts.").with("limit", l.MaxBatch)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, malformed("The request body is not valid JSON.")
		}
		raws = append(raws, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, malformed("The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err == nil {
		return nil, malformed("The request body has data after the batch.")
	}
	if len(raws) == 0 {
		return nil, malformed("The batch is empty.")
	}
	ops := make([]operation, 0, len(raws))
	for _, raw := range raws {
		op, ref := fromObject(raw)
		if ref != nil {
			return nil, ref
		}
		ops = append(ops, op)
	}
	return ops, nil
}

var memberNames = []string{"query", "operationName", "variables", "extensions"}

// members splits a JSON object into its members, refusing duplicates and
// members that differ from a known one only by case (decoders disagree on
// both, so the gateway and the upstream could read different queries).
func members(raw []byte) (map[string]json.RawMessage, *Refusal) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	t, err := dec.Token()
	if err != nil {
		return nil, malformed("The request body is not valid JSON.")
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, malformed("A GraphQL request is a JSON object (or an array of them).")
	}
	out := make(map[string]json.RawMessage, 4)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, malformed("The request body is not valid JSON.")
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, malformed("The request body is not valid JSON.")
		}
		if _, dup := out[k]; dup {
			return nil, malformed("The member " + strconvQuote(k) + " is repeated.")
		}
		for _, n := range memberNames {
			if k != n && strings.EqualFold(k, n) {
				return nil, malformed("The member " + strconvQuote(k) + " differs from " + n + " only by case.")
			}
		}
		out[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, malformed("The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err == nil {
		return nil, malformed("The request body has data after the request object.")
	}
	return out, nil
}

func isNull(v json.RawMessage) bool { return v == nil || string(v) == "null" }

func fromObject(raw []byte) (operation, *Refusal) {
	var op operation
	m, ref := members(raw)
	if ref != nil {
		return op, ref
	}
	if v := m["query"]; !isNull(v) {
		if v[0] != '"' {
			return op, malformed("query must be a string.")
		}
		if err := json.Unmarshal(v, &op.query); err != nil {
			return op, malformed("query must be a string.")
		}
		op.hasQuery = true
	}
	if v := m["operationName"]; !isNull(v) {
		if v[0] != '"' || json.Unmarshal(v, &op.name) != nil {
			return op, malformed("operationName must be a string or null.")
		}
	}
	if v := m["variables"]; !isNull(v) {
		vars, ref := decodeVariables(v)
		if ref != nil {
			return op, ref
		}
		op.variables = vars
	}
	if v := m["extensions"]; !isNull(v) {
		h, ref := persistedHash(v)
		if ref != nil {
			return op, ref
		}
		op.hash = h
	}
	return op, nil
}

func decodeVariables(raw []byte) (map[string]any, *Refusal) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var vars map[string]any
	if err := dec.Decode(&vars); err != nil || vars == nil && string(bytes.TrimSpace(raw)) != "null" {
		return nil, malformed("variables must be a JSON object.")
	}
	return vars, nil
}

// persistedHash reads extensions.persistedQuery.sha256Hash (Apollo's shape).
func persistedHash(raw []byte) (string, *Refusal) {
	var ext struct {
		PersistedQuery *struct {
			Version *int   `json:"version"`
			Hash    string `json:"sha256Hash"`
		} `json:"persistedQuery"`
	}
	if err := json.Unmarshal(raw, &ext); err != nil {
		return "", malformed("extensions must be a JSON object.")
	}
	if ext.PersistedQuery == nil {
		return "", nil
	}
	h := strings.ToLower(ext.PersistedQuery.Hash)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", malformed("persistedQuery.sha256Hash must be 64 hex digits.")
	}
	return h, nil
}

// strconvQuote quotes a client-sent name for a message, cut short.
func strconvQuote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
