package graphql

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
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

	// x, when set (Admit), holds the body's one reading (exchange.JSON: the
	// index hygiene built while validating it): a JSON body is not parsed again.
	x interface {
		JSON() (*jsonread.Index, error)
	}
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
	doc       *ast.QueryDocument       // the parsed document, once admitted (read-only: it may be cached)
	sel       *ast.OperationDefinition // the operation of doc that runs
	vars      map[string]any           // its variables, as validated (defaults applied)
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
		return fromJSON(r.Body, l, r.x)
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

// fromJSON reads a JSON body, one request object or a batch (an array),
// with the gateway's JSON reader (which refuses what is not RFC 8259 JSON in
// UTF-8): the exchange's index of it when shared is set, else a parse here.
func fromJSON(body []byte, l *Limits, shared interface {
	JSON() (*jsonread.Index, error)
}) ([]operation, *Refusal) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, malformed("The request body is empty.")
	}
	var ix *jsonread.Index
	var err error
	if shared != nil {
		ix, err = shared.JSON() // the exchange's: it releases it
	} else {
		ix, err = jsonread.Parse(bytes.TrimSpace(body), jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
		defer ix.Release() // every string kept is copied out of it
	}
	if err != nil {
		return nil, malformed("The request body is not valid JSON.")
	}
	switch ix.Kind(0) {
	case jsonread.Object:
		op, ref := fromObject(ix, 0)
		if ref != nil {
			return nil, ref
		}
		return []operation{op}, nil
	case jsonread.Array:
	default:
		return nil, notObject()
	}
	n := 0
	for c := ix.Child(0); c >= 0; c = ix.Sibling(c) {
		n++
	}
	switch {
	case n > l.MaxBatch:
		return nil, refuse(http.StatusBadRequest, "graphql_batch_too_large",
			"The batch has more operations than this endpoint accepts.").with("limit", l.MaxBatch)
	case n == 0:
		return nil, malformed("The batch is empty.")
	}
	ops := make([]operation, 0, n)
	for c := ix.Child(0); c >= 0; c = ix.Sibling(c) {
		if ix.Kind(c) != jsonread.Object {
			return nil, notObject()
		}
		op, ref := fromObject(ix, c)
		if ref != nil {
			return nil, ref
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func notObject() *Refusal {
	return malformed("A GraphQL request is a JSON object (or an array of them).")
}

var memberNames = []string{"query", "operationName", "variables", "extensions"}

// fromObject reads request object obj. Duplicate members, and members that
// differ from a known one only by case, are refused: decoders disagree on
// both (first or last wins, case-folded or not), so the gateway and the
// upstream could read different queries. Unknown members are ignored.
func fromObject(ix *jsonread.Index, obj int) (operation, *Refusal) {
	var op operation
	var seenBuf [4]string
	seen := seenBuf[:0]
	for c := ix.Child(obj); c >= 0; c = ix.Sibling(c) {
		key := ix.Key(c)
		for _, s := range seen {
			if s == string(key) {
				return op, malformed("The member " + strconvQuote(s) + " is repeated.")
			}
		}
		known := ""
		for _, m := range memberNames {
			if string(key) == m {
				known = m
			} else if strings.EqualFold(string(key), m) {
				return op, malformed("The member " + strconvQuote(string(key)) + " differs from " + m + " only by case.")
			}
		}
		if known == "" {
			if len(seen) < 16 { // unknown members: enough to catch a repeat
				seen = append(seen, string(key))
			}
			continue
		}
		seen = append(seen, known)
		kind := ix.Kind(c)
		switch known {
		case "query":
			switch kind {
			case jsonread.Null:
			case jsonread.String:
				op.query, op.hasQuery = string(ix.Text(c)), true
			default:
				return op, malformed("query must be a string.")
			}
		case "operationName":
			switch kind {
			case jsonread.Null:
			case jsonread.String:
				op.name = string(ix.Text(c))
			default:
				return op, malformed("operationName must be a string or null.")
			}
		case "variables":
			switch kind {
			case jsonread.Null:
			case jsonread.Object:
				op.variables, op.rawVars = objectValue(ix, c), json.RawMessage(ix.Raw(c))
			default:
				return op, malformed("variables must be a JSON object.")
			}
		case "extensions":
			h, ref := hashFrom(ix, c)
			if ref != nil {
				return op, ref
			}
			op.hash = h
		}
	}
	return op, nil
}

// hashFrom reads extensions.persistedQuery.sha256Hash (Apollo's shape) from
// extensions value ext; member names match without regard to case, as
// encoding/json's do, and a name matched twice is refused.
func hashFrom(ix *jsonread.Index, ext int) (string, *Refusal) {
	bad := malformed("extensions must be a JSON object, its persistedQuery an object with a string sha256Hash.")
	if ix.Kind(ext) == jsonread.Null {
		return "", nil
	}
	if ix.Kind(ext) != jsonread.Object {
		return "", bad
	}
	pq, ok := memberFold(ix, ext, "persistedQuery")
	switch {
	case !ok:
		return "", bad
	case pq < 0 || ix.Kind(pq) == jsonread.Null:
		return "", nil
	case ix.Kind(pq) != jsonread.Object:
		return "", bad
	}
	h, ok := memberFold(ix, pq, "sha256Hash")
	switch {
	case !ok || h >= 0 && ix.Kind(h) != jsonread.String && ix.Kind(h) != jsonread.Null:
		return "", bad
	case h < 0 || ix.Kind(h) == jsonread.Null:
		return checkHash("")
	}
	return checkHash(string(ix.Text(h)))
}

// memberFold finds the member of obj named name without regard to case: -1
// when there is none, false when there are several.
func memberFold(ix *jsonread.Index, obj int, name string) (int, bool) {
	found := -1
	for c := ix.Child(obj); c >= 0; c = ix.Sibling(c) {
		if strings.EqualFold(string(ix.Key(c)), name) {
			if found >= 0 {
				return -1, false
			}
			found = c
		}
	}
	return found, true
}

// objectValue converts value i, an object, to what validator.VariableValues
// reads: maps, slices, strings, json.Number, bools and nil. A repeated key
// keeps its last value, as encoding/json does.
func objectValue(ix *jsonread.Index, i int) map[string]any {
	m := make(map[string]any, 4)
	for c := ix.Child(i); c >= 0; c = ix.Sibling(c) {
		m[string(ix.Key(c))] = jsonValue(ix, c)
	}
	return m
}

func jsonValue(ix *jsonread.Index, i int) any {
	switch ix.Kind(i) {
	case jsonread.Object:
		return objectValue(ix, i)
	case jsonread.Array:
		var out []any
		for c := ix.Child(i); c >= 0; c = ix.Sibling(c) {
			out = append(out, jsonValue(ix, c))
		}
		if out == nil {
			out = []any{}
		}
		return out
	case jsonread.String:
		return string(ix.Text(i))
	case jsonread.Number:
		return json.Number(ix.Text(i))
	case jsonread.True:
		return true
	case jsonread.False:
		return false
	}
	return nil
}

// checkHash validates a claimed persisted-query hash.
func checkHash(h string) (string, *Refusal) {
	h = strings.ToLower(h)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", malformed("persistedQuery.sha256Hash must be 64 hex digits.")
	}
	return h, nil
}

func isNull(v json.RawMessage) bool { return v == nil || string(v) == "null" }

// parseParam reads a URL parameter's JSON value (variables, extensions).
func parseParam(raw []byte, msg string) (*jsonread.Index, *Refusal) {
	ix, err := jsonread.Parse(bytes.TrimSpace(raw), jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
	if err != nil {
		return nil, malformed(msg)
	}
	if ix.Kind(0) != jsonread.Object {
		ix.Release()
		return nil, malformed(msg)
	}
	return ix, nil
}

func decodeVariables(raw []byte) (map[string]any, *Refusal) {
	ix, ref := parseParam(raw, "variables must be a JSON object.")
	if ref != nil {
		return nil, ref
	}
	defer ix.Release()
	return objectValue(ix, 0), nil
}

// persistedHash reads extensions.persistedQuery.sha256Hash from a GET
// request's extensions parameter.
func persistedHash(raw []byte) (string, *Refusal) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return "", nil
	}
	ix, ref := parseParam(raw, "extensions must be a JSON object.")
	if ref != nil {
		return "", ref
	}
	defer ix.Release()
	return hashFrom(ix, 0)
}

// strconvQuote quotes a client-sent name for a message, cut short.
func strconvQuote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
