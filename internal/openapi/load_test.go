package openapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mustParse parses a test document or fails the test.
func mustParse(t *testing.T, src string) *Doc {
	t.Helper()
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

const petstore30 = `
openapi: 3.0.3
info: {title: pets, version: "1"}
servers:
  - url: https://api.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200": {description: ok}
    post:
      operationId: createPet
      responses:
        "201": {description: created}
  /pets/{petId}:
    get:
      operationId: getPet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
    delete:
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: gone}
`

const petstore31 = `
openapi: 3.1.0
info: {title: pets, version: "1"}
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    patch:
      operationId: patchPet
      requestBody:
        content:
          application/merge-patch+json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses:
        "200": {description: ok}
components:
  schemas:
    Pet:
      type: object
      properties:
        id: {type: [string, "null"], readOnly: true}
        name: {type: string}
`

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Operation
		base string
	}{
		{"3.0", petstore30, []Operation{
			{Method: "GET", Path: "/pets", ID: "listPets"},
			{Method: "POST", Path: "/pets", ID: "createPet"},
			{Method: "DELETE", Path: "/pets/{petId}"},
			{Method: "GET", Path: "/pets/{petId}", ID: "getPet"},
		}, "/v1"},
		{"3.1", petstore31, []Operation{{Method: "PATCH", Path: "/pets/{id}", ID: "patchPet"}}, ""},
		{"json", `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, tt.src)
			got := d.Operations()
			if len(got) != len(tt.want) {
				t.Fatalf("Operations() = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Operations()[%d] = %v, want %v", i, got[i], tt.want[i])
				}
			}
			if d.BasePath() != tt.base {
				t.Errorf("BasePath() = %q, want %q", d.BasePath(), tt.base)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    error
		message []string // substrings the error must hold
	}{
		{"not yaml", "openapi: [3.0.0\ninfo: {", ErrInvalid, []string{"line"}},
		{"empty", "", ErrInvalid, nil},
		{"swagger 2", "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n", ErrInvalid, []string{"Swagger 2.0"}},
		{"3.2", "openapi: 3.2.0\ninfo: {title: t, version: \"1\"}\npaths: {}\n", ErrInvalid, []string{`"3.2.0"`}},
		{"missing info", "openapi: 3.0.3\npaths: {}\n", ErrInvalid, []string{"info"}},
		{"missing title", "openapi: 3.0.3\ninfo:\n  version: \"1\"\npaths: {}\n", ErrInvalid, []string{"title", "line 2"}},
		{"path param undeclared", `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users/{id}:
    get:
      responses:
        "200": {description: ok}
`, ErrInvalid, []string{"/users/{id}", "id"}},
		{"dangling ref", `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /u:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Missing"}
`, ErrInvalid, []string{"Missing"}},
		{"file ref", `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /u:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "other.yaml#/User"}
`, ErrExternalRef, []string{"other.yaml"}},
		{"url ref", `
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /u:
    get:
      responses:
        "200": {$ref: "http://169.254.169.254/latest/meta-data"}
`, ErrExternalRef, []string{"169.254.169.254"}},
		{"absolute file ref in components", `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Secret: {$ref: "/etc/passwd"}
`, ErrExternalRef, []string{"/etc/passwd"}},
		{"too large", "openapi: 3.0.3\n" + strings.Repeat("#", MaxSize), ErrTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.src))
			if err == nil {
				t.Fatalf("Parse = %v, want error", d)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q is not %v", err, tt.want)
			}
			t.Log(err)
			for _, s := range tt.message {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(good, []byte(petstore30), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Load(good)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if n := len(d.Operations()); n != 4 {
		t.Errorf("Load: %d operations, want 4", n)
	}

	// A sibling file exists and is readable: the $ref must still be refused.
	sibling := filepath.Join(dir, "user.yaml")
	if err := os.WriteFile(sibling, []byte("User: {type: object}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ext := filepath.Join(dir, "ext.yaml")
	src := strings.Replace(petstore30, `"200": {description: ok}`,
		`"200": {description: ok, content: {application/json: {schema: {$ref: "user.yaml#/User"}}}}`, 1)
	if err := os.WriteFile(ext, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ext); !errors.Is(err, ErrExternalRef) || !strings.Contains(err.Error(), ext) {
		t.Errorf("Load(external ref) = %v, want ErrExternalRef naming the file", err)
	}

	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Load(big) = %v, want ErrTooLarge", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{petstore30, petstore31, "", "openapi: 3.0.0", "{}", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		for _, op := range d.Operations() {
			d.ReadOnlyFields(op.Method, op.Path)
			d.ResponseFields(op.Method, op.Path, 200)
			if got, ok := d.Match(op.Method, op.Path); !ok || got.Method != op.Method {
				t.Errorf("Match(%s %s) = %v, %v", op.Method, op.Path, got, ok)
			}
		}
	})
}
