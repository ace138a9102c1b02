package graphql

import (
	"github.com/vektah/gqlparser/v2/ast"

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
	// HasBody says a GET or HEAD request came with a body (which is refused:
	// an upstream could read the operation there instead of the URL).
	HasBody bool
}

// operation is one GraphQL request of a (possibly batched) HTTP request.
type operation struct {
	query     string
	hasQuery  bool
	name      string
	variables map[string]any
	hash      string // the sha256 the client claims (persisted query), lower-case hex
	get       bool
	rawVars   json.RawMessage // variables as sent (JSON bodies), for a rewritten request
	// rewritten is the query text sent upstream instead of query ("" for none).
	rewritten string
	doc       *ast.QueryDocument // the parsed document, once admitted (read-only: it may be cached)
}

// Request forms, to rebuild a rewritten request in the form it came in.
const (
	formJSON = iota
	formBatch
	formGraphQL
	formGET
)

// readRequest turns the HTTP request into its operations, refusing anything
// ambiguous: a duplicate or case-variant member, a non-string query, a batch
// larger than the limit. Cost is linear in the request's size.
func readRequest(r *Request, l *Limits) ([]operation, *Refusal) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if r.HasBody || len(r.Body) > 0 {
			return nil, malformed("A GET request carries its operation in the URL and no body.")
		}
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
	mt, params, err := mime.ParseMediaType(r.ContentType)
	if err != nil && r.ContentType != "" {
		return nil, unsupportedType()
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		// The gateway reads UTF-8; an upstream honouring another charset
		// would read another operation.
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
		// Servers differ on whether URL parameters count for a POST (some
		// merge them with the body): a POST carries them in its body only.
		if vals, err := url.ParseQuery(r.RawQuery); err != nil || hasParam(vals) {
			return nil, malformed("A JSON POST carries query, operationName, variables and extensions in its body, not the URL.")
		}
		return fromJSON(r.Body, l)
	}
	return nil, unsupportedType()
}

func hasParam(vals url.Values) bool {
	for _, k := range memberNames {
		for name := range vals {
			if strings.EqualFold(name, k) {
				return true
			}
		}
	}
	return false
}

func unsupportedType() *Refusal {
	return refuse(http.StatusUnsupportedMediaType, "graphql_unsupported_media_type",
		"A GraphQL POST must be application/json or application/graphql, in UTF-8.")
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
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, malformed("The request body is empty.")
	}
	// json.Unmarshal validates what it decodes; the walks before it only
	// count and compare names, and a body they misread fails there.
	if body[0] != '[' {
		op, ref := fromObject(body)
		if ref != nil {
			return nil, ref
		}
		return []operation{op}, nil
	}
	// Count the batch before decoding its members.
	if n := topLevel(body, nil); n > l.MaxBatch {
		return nil, refuse(http.StatusBadRequest, "graphql_batch_too_large",
			"The batch has more operations than this endpoint accepts.").with("limit", l.MaxBatch)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, malformed("The request body is not valid JSON.")
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

// topLevel walks one valid JSON text and returns the number of members (of
// an object) or elements (of an array) at its top level, calling key with
// each top-level member name as written (escapes not decoded). It only
// follows strings and nesting; the text must already be valid JSON.
func topLevel(b []byte, key func(raw []byte)) int {
	depth, n, expectKey := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if depth == 1 && expectKey && key != nil {
				key(b[i+1 : min(j, len(b))])
			}
			expectKey = false
			i = j
		case '{', '[':
			depth++
			if depth == 1 {
				expectKey = c == '{'
			}
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				n++
				expectKey = b[0] == '{'
			}
		}
	}
	if len(b) < 2 {
		return n // not JSON: the decoder says so
	}
	if inner := bytes.TrimSpace(b[1 : len(b)-1]); len(inner) > 0 {
		n++
	}
	return n
}

// checkMembers refuses duplicate members and members that differ from a
// known one only by case: decoders disagree on both (first or last wins,
// case-folded or not), so the gateway and the upstream could read different
// queries.
func checkMembers(raw []byte) *Refusal {
	var ref *Refusal
	seen := make([]string, 0, 4)
	topLevel(raw, func(k []byte) {
		if ref != nil {
			return
		}
		name := string(k)
		if bytes.IndexByte(k, '\\') >= 0 {
			quoted := make([]byte, 0, len(k)+2)
			quoted = append(append(append(quoted, '"'), k...), '"')
			if json.Unmarshal(quoted, &name) != nil {
				ref = malformed("The request body is not valid JSON.")
				return
			}
		}
		for _, s := range seen {
			if s == name {
				ref = malformed("The member " + strconvQuote(name) + " is repeated.")
				return
			}
		}
		for _, m := range memberNames {
			if name != m && strings.EqualFold(name, m) {
				ref = malformed("The member " + strconvQuote(name) + " differs from " + m + " only by case.")
				return
			}
		}
		seen = append(seen, name)
	})
	return ref
}

// wireRequest is a GraphQL request object as sent. Query and OperationName
// are decoded as any so a wrong type is seen, not coerced.
type wireRequest struct {
	Query         any             `json:"query"`
	OperationName any             `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    *extensions     `json:"extensions"`
}

// extensions is the request's extensions member, as far as Bulwark reads it.
type extensions struct {
	PersistedQuery *struct {
		Hash string `json:"sha256Hash"`
	} `json:"persistedQuery"`
}

// checkHash validates a claimed persisted-query hash.
func checkHash(h string) (string, *Refusal) {
	h = strings.ToLower(h)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", malformed("persistedQuery.sha256Hash must be 64 hex digits.")
	}
	return h, nil
}

func fromObject(raw []byte) (operation, *Refusal) {
	var op operation
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return op, malformed("A GraphQL request is a JSON object (or an array of them).")
	}
	if ref := checkMembers(raw); ref != nil {
		return op, ref
	}
	var w wireRequest
	if err := json.Unmarshal(raw, &w); err != nil {
		return op, malformed("The request body is not a valid GraphQL request object.")
	}
	switch q := w.Query.(type) {
	case nil:
	case string:
		op.query, op.hasQuery = q, true
	default:
		return op, malformed("query must be a string.")
	}
	switch n := w.OperationName.(type) {
	case nil:
	case string:
		op.name = n
	default:
		return op, malformed("operationName must be a string or null.")
	}
	if v := w.Variables; !isNull(v) {
		vars, ref := decodeVariables(v)
		if ref != nil {
			return op, ref
		}
		op.variables, op.rawVars = vars, v
	}
	if x := w.Extensions; x != nil && x.PersistedQuery != nil {
		h, ref := checkHash(x.PersistedQuery.Hash)
		if ref != nil {
			return op, ref
		}
		op.hash = h
	}
	return op, nil
}

func isNull(v json.RawMessage) bool { return v == nil || string(v) == "null" }

func decodeVariables(raw []byte) (map[string]any, *Refusal) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || !json.Valid(raw) {
		return nil, malformed("variables must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var vars map[string]any
	if err := dec.Decode(&vars); err != nil || vars == nil && string(bytes.TrimSpace(raw)) != "null" {
		return nil, malformed("variables must be a JSON object.")
	}
	return vars, nil
}

// persistedHash reads extensions.persistedQuery.sha256Hash (Apollo's shape)
// from a GET request's extensions parameter.
func persistedHash(raw []byte) (string, *Refusal) {
	var ext extensions
	if err := json.Unmarshal(raw, &ext); err != nil {
		return "", malformed("extensions must be a JSON object.")
	}
	if ext.PersistedQuery == nil {
		return "", nil
	}
	return checkHash(ext.PersistedQuery.Hash)
}

// strconvQuote quotes a client-sent name for a message, cut short.
func strconvQuote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
