package openapi

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// newTestValidator loads a testdata document and builds its validator.
func newTestValidator(t testing.TB, file string, o ValidatorOptions) *Validator {
	t.Helper()
	d, err := Load("testdata/" + file)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	v, err := d.NewValidator(o)
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

const testUUID = "0b0b5a8e-1111-4222-8333-444455556666"

// vcase is one request and the result it must get.
type vcase struct {
	name   string
	method string
	path   string
	query  string
	header http.Header
	body   string
	want   Result
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

var jsonCT = hdr("Content-Type", "application/json")

func bad(errs ...FieldError) Result { return Result{Status: 400, Errors: errs} }

func fe(in, field, reason string) FieldError { return FieldError{In: in, Field: field, Reason: reason} }

// runCases validates each case and checks the result, and that no error
// echoes markup or quotes the client sent.
func runCases(t *testing.T, v *Validator, cases []vcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			got := v.Validate(tc.method, tc.path, tc.query, tc.header, body)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Validate(%s %s?%s)\n got %+v\nwant %+v", tc.method, tc.path, tc.query, got, tc.want)
			}
			text := fmt.Sprintf("%+v", got.Errors)
			for _, leak := range []string{"<", ">", "'", "script"} {
				if strings.Contains(text, leak) {
					t.Errorf("errors echo client input %q: %s", leak, text)
				}
			}
		})
	}
}

func TestValidate30(t *testing.T) {
	v := newTestValidator(t, "validate30.yaml", ValidatorOptions{Strict: true})
	runCases(t, v, []vcase{
		{name: "valid get with query and header", method: "GET", path: "/v1/pets",
			query:  "limit=5&status=sold&q=ab&tags=1,2&filter[color]=red&other=1",
			header: hdr("X-Trace", testUUID)},
		{name: "query bounds enum pattern items format", method: "GET", path: "/v1/pets",
			query: "limit=0&status=<script>&q=AB'&tags=1,x", header: hdr("X-Trace", "nope'<script>"),
			want: bad(fe("query", "limit", "minimum 1"), fe("query", "status", "enum"), fe("query", "q", "pattern"),
				fe("query", "tags", "type: expected integer"), fe("header", "X-Trace", "format: uuid"))},
		{name: "query type and maxItems", method: "GET", path: "/v1/pets", query: "limit=abc&tags=1,2,3,4",
			want: bad(fe("query", "limit", "type: expected integer"), fe("query", "tags", "maxItems 3"))},
		{name: "query maxLength", method: "GET", path: "/v1/pets", query: "q=" + strings.Repeat("a", 21),
			want: bad(fe("query", "q", "maxLength 20"))},
		{name: "malformed query string", method: "GET", path: "/v1/pets", query: "limit=%zz",
			want: bad(fe("query", "", "malformed"))},
		{name: "valid body with $ref, null, formats", method: "POST", path: "/v1/pets", header: jsonCT,
			body: `{"name":"Rex","kind":"dog","age":3,"email":"a@b.co","born":"2020-01-02","nick":null,` +
				`"owner":{"id":"` + testUUID + `","labels":{"a":"b"}}}`},
		{name: "readOnly left to the mass-assignment guard", method: "POST", path: "/v1/pets", header: jsonCT,
			body: `{"id":7,"name":"Rex","kind":"dog"}`},
		{name: "body field failures", method: "POST", path: "/v1/pets", header: jsonCT,
			body: `{"name":"","kind":"<script>","age":-1,"email":"x<script>","born":"2020-13-01",` +
				`"owner":{"labels":{"<script>":"toolong'"}},"<img>":1,"extra":2}`,
			want: bad(fe("body", "", "additionalProperties not allowed"), fe("body", "/age", "minimum 0"),
				fe("body", "/born", "format: date"), fe("body", "/email", "format: email"),
				fe("body", "/extra", "additionalProperties not allowed"), fe("body", "/kind", "enum"),
				fe("body", "/name", "minLength 1"), fe("body", "/owner/id", "required"),
				fe("body", "/owner/labels", "maxLength 5"))},
		{name: "body types", method: "POST", path: "/v1/pets", header: jsonCT,
			body: `{"name":5,"kind":"cat","age":1.5,"nick":3}`,
			want: bad(fe("body", "/age", "type: expected integer"), fe("body", "/name", "type: expected string"),
				fe("body", "/nick", "type: expected string"))},
		{name: "body required fields", method: "POST", path: "/v1/pets", header: jsonCT, body: `{}`,
			want: bad(fe("body", "/kind", "required"), fe("body", "/name", "required"))},
		{name: "body not json", method: "POST", path: "/v1/pets", header: jsonCT, body: `{"name":`,
			want: bad(fe("body", "", "malformed"))},
		{name: "trailing JSON value", method: "POST", path: "/v1/pets", header: jsonCT,
			body: `{"name":"a","kind":"cat"} {"admin":true}`, want: bad(fe("body", "", "malformed"))},
		{name: "content type not declared", method: "POST", path: "/v1/pets",
			header: hdr("Content-Type", "text/plain"), body: `x`,
			want: Result{Status: 415, Errors: []FieldError{fe("body", "", "unexpected content type")}}},
		{name: "content type missing", method: "POST", path: "/v1/pets", body: `{}`,
			want: Result{Status: 415, Errors: []FieldError{fe("body", "", "unexpected content type")}}},
		{name: "content type with parameters", method: "POST", path: "/v1/pets",
			header: hdr("Content-Type", "application/json; charset=utf-8"), body: `{"name":"a","kind":"cat"}`},
		{name: "required body missing", method: "POST", path: "/v1/pets", header: jsonCT,
			want: bad(fe("body", "", "required"))},
		{name: "body on an operation without one", method: "GET", path: "/v1/pets", body: "{}",
			want: bad(fe("body", "", "body not allowed"))},
		{name: "path parameter valid", method: "GET", path: "/v1/pets/7"},
		{name: "path parameter minimum", method: "GET", path: "/v1/pets/0",
			want: bad(fe("path", "petId", "minimum 1"))},
		{name: "path parameter type", method: "GET", path: "/v1/pets/abc'",
			want: bad(fe("path", "petId", "type: expected integer"))},
		{name: "literal path beats template", method: "GET", path: "/v1/pets/mine"},
		{name: "template reached past a literal without the method", method: "DELETE", path: "/v1/pets/mine",
			header: hdr("X-Api-Version", "1", "Cookie", "session=abcdefghij"),
			want:   bad(fe("path", "petId", "type: expected integer"))},
		{name: "header enum and cookie length", method: "DELETE", path: "/v1/pets/3",
			header: hdr("X-Api-Version", "3", "Cookie", "session=abc"),
			want:   bad(fe("header", "X-Api-Version", "enum"), fe("cookie", "session", "minLength 8"))},
		{name: "header and cookie required", method: "DELETE", path: "/v1/pets/3",
			want: bad(fe("header", "X-Api-Version", "required"), fe("cookie", "session", "required"))},
		{name: "undeclared method", method: "PUT", path: "/v1/pets/3",
			want: Result{Status: 405, Allow: []string{"DELETE", "GET", "HEAD"}}},
		{name: "HEAD checked as GET", method: "HEAD", path: "/v1/pets/0",
			want: bad(fe("path", "petId", "minimum 1"))},
		{name: "lower-case method checked", method: "get", path: "/v1/pets/0",
			want: bad(fe("path", "petId", "minimum 1"))},
		{name: "unknown path", method: "GET", path: "/v1/nothing", want: Result{Status: 404}},
		{name: "path without the base path", method: "GET", path: "/pets/0",
			want: bad(fe("path", "petId", "minimum 1"))},
		{name: "trailing slash", method: "GET", path: "/v1/pets/7/"},
		{name: "mixed segment valid", method: "GET", path: "/v1/files/cat.png"},
		{name: "mixed segment invalid", method: "GET", path: "/v1/files/Cat.gif",
			want: bad(fe("path", "name", "pattern"), fe("path", "ext", "enum"))},
		{name: "allOf and oneOf valid", method: "POST", path: "/v1/orders", header: jsonCT,
			body: `{"customer":"bob","items":[{"sku":"ABC-123","qty":2}],"payment":{"card":"123456789012"}}`},
		{name: "nested array items and oneOf", method: "POST", path: "/v1/orders", header: jsonCT,
			body: `{"customer":"bobbobbobbob","items":[{"sku":"abc","qty":0,"x":1}],"payment":{"card":"1"}}`,
			want: bad(fe("body", "/customer", "maxLength 10"), fe("body", "/items/0/qty", "minimum 1"),
				fe("body", "/items/0/sku", "pattern"), fe("body", "/items/0/x", "additionalProperties not allowed"),
				fe("body", "/payment", "oneOf"))},
		{name: "allOf required and minItems", method: "POST", path: "/v1/orders", header: jsonCT, body: `{"items":[]}`,
			want: bad(fe("body", "/customer", "required"), fe("body", "/items", "minItems 1"), fe("body", "/payment", "required"))},
		{name: "form body valid", method: "POST", path: "/v1/orders",
			header: hdr("Content-Type", "application/x-www-form-urlencoded"), body: `sku=abc&qty=2`},
		{name: "form body invalid", method: "POST", path: "/v1/orders",
			header: hdr("Content-Type", "application/x-www-form-urlencoded"), body: `sku=abcdefghijk&qty=0`,
			want: bad(fe("body", "/qty", "minimum 1"), fe("body", "/sku", "maxLength 8"))},
		{name: "text body", method: "PUT", path: "/v1/notes", header: hdr("Content-Type", "text/plain"), body: "hello"},
		{name: "text body too long", method: "PUT", path: "/v1/notes", header: hdr("Content-Type", "text/plain"),
			body: "hello world!", want: bad(fe("body", "", "maxLength 10"))},
		{name: "declared media type without a decoder is opaque", method: "PUT", path: "/v1/notes",
			header: hdr("Content-Type", "application/xml"), body: "<a/>"},
	})
}

func TestValidate31(t *testing.T) {
	v := newTestValidator(t, "validate31.yaml", ValidatorOptions{Strict: true})
	patchCT := hdr("Content-Type", "application/merge-patch+json")
	runCases(t, v, []vcase{
		{name: "valid query", method: "GET", path: "/api/v2/users", query: "page=1&sort=name"},
		{name: "numeric exclusiveMinimum and enum", method: "GET", path: "/api/v2/users", query: "page=0&sort=x",
			want: bad(fe("query", "page", "exclusiveMinimum 0"), fe("query", "sort", "enum"))},
		{name: "valid body with null in a type array", method: "POST", path: "/api/v2/users", header: jsonCT,
			body: `{"name":"a","nickname":null,"age":1,"tags":["x"]}`},
		{name: "body failures", method: "POST", path: "/api/v2/users", header: jsonCT,
			body: `{"name":"a","nickname":5,"age":0,"email":"bad","tags":["a","b","c","d"],"x'":1}`,
			want: bad(fe("body", "", "additionalProperties not allowed"), fe("body", "/age", "exclusiveMinimum 0"),
				fe("body", "/email", "format: email"), fe("body", "/nickname", "type: expected string or null"),
				fe("body", "/tags", "maxItems 3"))},
		{name: "merge patch valid", method: "PATCH", path: "/api/v2/users/" + testUUID, header: patchCT,
			body: `{"nickname":null}`},
		{name: "path format and patch length", method: "PATCH", path: "/api/v2/users/nope", header: patchCT,
			body: `{"nickname":"waytoolongnickname"}`,
			want: bad(fe("path", "id", "format: uuid"), fe("body", "/nickname", "maxLength 10"))},
		{name: "2020-12 keywords valid", method: "POST", path: "/api/v2/events", header: jsonCT,
			body: `{"kind":"login","at":"2024-01-01T00:00:00Z","point":[1,2]}`},
		{name: "2020-12 keywords enforced", method: "POST", path: "/api/v2/events", header: jsonCT,
			body: `{"kind":"logout","at":"x","point":[1,"a",3],"<b>":1}`,
			want: bad(fe("body", "", "additionalProperties not allowed"), fe("body", "/at", "format: date-time"),
				fe("body", "/kind", "const"), fe("body", "/point/1", "type: expected number"),
				fe("body", "/point/2", "not allowed"))},
		{name: "2020-12 required", method: "POST", path: "/api/v2/events", header: jsonCT, body: `{}`,
			want: bad(fe("body", "/at", "required"), fe("body", "/kind", "required"))},
		{name: "unknown path", method: "GET", path: "/api/v2/nope", want: Result{Status: 404}},
		{name: "undeclared method", method: "DELETE", path: "/api/v2/users",
			want: Result{Status: 405, Allow: []string{"GET", "HEAD", "POST"}}},
	})
}

func TestValidateOptions(t *testing.T) {
	t.Run("not strict: undeclared passes", func(t *testing.T) {
		v := newTestValidator(t, "validate30.yaml", ValidatorOptions{})
		runCases(t, v, []vcase{
			{name: "unknown path", method: "GET", path: "/v1/nothing"},
			{name: "undeclared method", method: "PUT", path: "/v1/pets/3"},
			{name: "declared still checked", method: "GET", path: "/v1/pets/0",
				want: bad(fe("path", "petId", "minimum 1"))},
		})
	})
	t.Run("unknown query parameters", func(t *testing.T) {
		v := newTestValidator(t, "validate30.yaml", ValidatorOptions{Strict: true, RejectUnknownQuery: true})
		runCases(t, v, []vcase{
			{name: "declared and deepObject keys", method: "GET", path: "/v1/pets", query: "limit=1&filter[color]=red"},
			{name: "unknown names, unprintable one not echoed", method: "GET", path: "/v1/pets",
				query: "debug=1&zz<script>=1&limit=1",
				want:  bad(fe("query", "debug", "unknown parameter"), fe("query", "", "unknown parameter"))},
		})
	})
}

func TestValidateErrorBound(t *testing.T) {
	v := newTestValidator(t, "validate30.yaml", ValidatorOptions{Strict: true})
	var b strings.Builder
	b.WriteString(`{"customer":"c","payment":{"card":"123456789012"},"items":[`)
	for i := range 50 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"sku":"x","qty":0}`)
	}
	b.WriteString("]}")
	got := v.Validate("POST", "/v1/orders", "", jsonCT, []byte(b.String()))
	if got.Status != 400 || len(got.Errors) != MaxFieldErrors {
		t.Fatalf("got status %d with %d errors, want 400 with %d", got.Status, len(got.Errors), MaxFieldErrors)
	}
	again := v.Validate("POST", "/v1/orders", "", jsonCT, []byte(b.String()))
	if !reflect.DeepEqual(got, again) {
		t.Errorf("bounded errors differ between runs:\n%+v\n%+v", got, again)
	}
}

func TestValidateRouting(t *testing.T) {
	d := mustParse(t, `
openapi: 3.0.3
info: {title: r, version: "1"}
paths:
  /:
    get: {responses: {"200": {description: ok}}}
  /a/{x}/c:
    get:
      parameters: [{name: x, in: path, required: true, schema: {type: string, enum: [b]}}]
      responses: {"200": {description: ok}}
  /a/b/d:
    get: {responses: {"200": {description: ok}}}
  /a/b/{y}:
    post:
      parameters: [{name: y, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`)
	v, err := d.NewValidator(ValidatorOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, v, []vcase{
		{name: "root", method: "GET", path: "/"},
		{name: "backtracks from the literal to the parameter", method: "GET", path: "/a/b/c"},
		{name: "literal", method: "GET", path: "/a/b/d"},
		{name: "parameter value checked", method: "GET", path: "/a/z/c", want: bad(fe("path", "x", "enum"))},
		{name: "method found on a less specific template", method: "POST", path: "/a/b/d",
			want: bad(fe("path", "y", "type: expected integer"))},
		{name: "allow is the union of matching paths", method: "PUT", path: "/a/b/d",
			want: Result{Status: 405, Allow: []string{"GET", "HEAD", "POST"}}},
		{name: "too deep", method: "GET", path: "/a/b/c/d", want: Result{Status: 404}},
		{name: "empty path", method: "GET", path: "", want: Result{}},
	})
}

func TestValidatorNilDoc(t *testing.T) {
	var d *Doc
	if _, err := d.NewValidator(ValidatorOptions{}); err == nil {
		t.Fatal("NewValidator on a nil Doc: want an error")
	}
}

func TestStringFormats(t *testing.T) {
	formats := stringFormats()
	tests := []struct {
		format, value string
		ok            bool
	}{
		{"email", "a@example.com", true},
		{"email", "Name <a@example.com>", false},
		{"email", "a@b@c", false},
		{"email", "a@-bad-.com", false},
		{"uuid", testUUID, true},
		{"uuid", "0b0b5a8e11114222833344445555666", false},
		{"uuid", "0b0b5a8e-1111-4222-8333-44445555666g", false},
		{"ipv4", "192.0.2.1", true},
		{"ipv4", "::1", false},
		{"ipv6", "2001:db8::1", true},
		{"ipv6", "192.0.2.1", false},
		{"hostname", "api.example.com", true},
		{"hostname", "a..b", false},
		{"hostname", strings.Repeat("a", 64) + ".com", false},
		{"uri", "https://example.com/x?y", true},
		{"uri", "/relative", false},
		{"uri-reference", "/relative", true},
	}
	for _, tc := range tests {
		t.Run(tc.format+"/"+tc.value, func(t *testing.T) {
			if err := formats[tc.format].Validate(tc.value); (err == nil) != tc.ok {
				t.Errorf("%s %q: err %v, want ok=%v", tc.format, tc.value, err, tc.ok)
			}
		})
	}
}

// TestValidateConcurrent runs one validator from many goroutines (for -race).
func TestValidateConcurrent(t *testing.T) {
	v := newTestValidator(t, "validate30.yaml", ValidatorOptions{Strict: true})
	body := []byte(`{"customer":"c","items":[{"sku":"x","qty":0}],"payment":{"card":"1"}}`)
	want := v.Validate("POST", "/v1/orders", "", jsonCT, body)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := v.Validate("POST", "/v1/orders", "", jsonCT, body); !reflect.DeepEqual(got, want) {
					t.Errorf("concurrent result differs: %+v", got)
					return
				}
				v.Validate("GET", "/v1/pets", "limit=1&filter[color]=x", nil, nil)
			}
		})
	}
	wg.Wait()
}

func TestValidatorShared(t *testing.T) {
	d := mustParse(t, petstore30)
	a, err := d.Validator(ValidatorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Validator(ValidatorOptions{})
	c, _ := d.Validator(ValidatorOptions{Strict: true})
	if a != b || c == a || c == nil {
		t.Fatal("one validator per options")
	}
	var none *Doc
	if _, err := none.Validator(ValidatorOptions{}); err == nil {
		t.Fatal("a nil document validates")
	}
}
