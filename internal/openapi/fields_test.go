package openapi

import (
	"reflect"
	"slices"
	"testing"
)

const responseDoc = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
        "2XX":
          description: other success
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}
                additionalProperties: false
        "404":
          description: none
        default:
          description: error
          content:
            application/problem+json:
              schema: {$ref: "#/components/schemas/Problem"}
  /users:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/User"}
  /blob:
    get:
      responses:
        "200":
          description: ok
          content:
            application/octet-stream:
              schema: {type: string, format: binary}
components:
  schemas:
    Base:
      type: object
      properties:
        id: {type: string}
    User:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          properties:
            name: {type: string}
            email:
              type: string
              x-bulwark-roles: [admin, self]
            meta:
              type: object
              description: free-form
            prefs:
              type: object
              additionalProperties: {type: string}
            pets:
              type: array
              items:
                oneOf:
                  - {type: object, properties: {bark: {type: boolean}}}
                  - {type: object, properties: {meow: {type: boolean}}}
            anything: {}
            manager: {$ref: "#/components/schemas/User"}
    Problem:
      type: object
      properties:
        title: {type: string}
        detail: {type: string}
`

func keys(f *Fields) []string {
	var out []string
	for k := range f.Props {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestResponseFields(t *testing.T) {
	d := mustParse(t, responseDoc)
	userProps := []string{"anything", "email", "id", "manager", "meta", "name", "pets", "prefs"}

	t.Run("exact status", func(t *testing.T) {
		f := d.ResponseFields("GET", "/users/{id}", 200)
		if f == nil || f.Open || !slices.Equal(keys(f), userProps) {
			t.Fatalf("fields = %+v, want closed with %v", f, userProps)
		}
		leaf := &Fields{}
		if got := f.Props["name"]; !reflect.DeepEqual(got, leaf) {
			t.Errorf("name = %+v, want a closed leaf", got)
		}
		if got := f.Props["email"].Extensions["x-bulwark-roles"]; !reflect.DeepEqual(got, []any{"admin", "self"}) {
			t.Errorf("email x-bulwark-roles = %#v", got)
		}
		if !f.Props["meta"].Open || f.Props["meta"].Props != nil {
			t.Errorf("meta (object without properties) = %+v, want open", f.Props["meta"])
		}
		if !f.Props["prefs"].Open {
			t.Errorf("prefs (additionalProperties schema) = %+v, want open", f.Props["prefs"])
		}
		if !f.Props["anything"].Open {
			t.Errorf("anything ({}) = %+v, want open", f.Props["anything"])
		}
		pets := f.Props["pets"]
		if pets.Items == nil || pets.Items.Open || !slices.Equal(keys(pets.Items), []string{"bark", "meow"}) {
			t.Errorf("pets items = %+v, want closed union of bark and meow", pets.Items)
		}
		// Recursion: manager is a User, down to the depth cap.
		m := f
		for range 5 {
			m = m.Props["manager"]
			if m == nil || !slices.Equal(keys(m), userProps) {
				t.Fatalf("manager chain broke: %+v", m)
			}
		}
	})
	t.Run("range", func(t *testing.T) {
		f := d.ResponseFields("GET", "/users/{id}", 201)
		if f == nil || f.Open || !slices.Equal(keys(f), []string{"status"}) {
			t.Errorf("fields = %+v, want 2XX schema", f)
		}
	})
	t.Run("default", func(t *testing.T) {
		f := d.ResponseFields("GET", "/users/{id}", 500)
		if f == nil || f.Open || !slices.Equal(keys(f), []string{"detail", "title"}) {
			t.Errorf("fields = %+v, want default Problem schema", f)
		}
	})
	t.Run("declared without content", func(t *testing.T) {
		if f := d.ResponseFields("GET", "/users/{id}", 404); f != nil {
			t.Errorf("fields = %+v, want nil", f)
		}
	})
	t.Run("array", func(t *testing.T) {
		f := d.ResponseFields("get", "/users", 200)
		if f == nil || f.Items == nil || !slices.Equal(keys(f.Items), userProps) {
			t.Errorf("fields = %+v, want array of User", f)
		}
	})
	t.Run("not json", func(t *testing.T) {
		if f := d.ResponseFields("GET", "/blob", 200); f != nil {
			t.Errorf("fields = %+v, want nil", f)
		}
	})
	t.Run("undeclared status or operation", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			status       int
		}{{"GET", "/users", 404}, {"POST", "/users", 200}, {"GET", "/nowhere", 200}} {
			if f := d.ResponseFields(c.method, c.path, c.status); f != nil {
				t.Errorf("ResponseFields(%s %s %d) = %+v, want nil", c.method, c.path, c.status, f)
			}
		}
	})
}

// depth returns how deep the Props chain under name goes.
func depth(f *Fields, name string) int {
	n := 0
	for f != nil {
		f = f.Props[name]
		n++
	}
	return n
}

func TestResponseFields31AndRecursion(t *testing.T) {
	d := mustParse(t, `
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /tree:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Tree"}
components:
  schemas:
    Tree:
      type: object
      properties:
        value: {type: [string, "null"]}
        secret:
          $ref: "#/components/schemas/Secret"
          x-bulwark-roles: [admin]
        left: {$ref: "#/components/schemas/Tree"}
        right: {$ref: "#/components/schemas/Tree"}
        free: true
        list: {type: array}
        none: false
        closedMap:
          type: object
          additionalProperties: false
    Secret:
      type: string
      x-sensitive: true
`)
	f := d.ResponseFields("GET", "/tree", 200)
	if f == nil || f.Open {
		t.Fatalf("fields = %+v", f)
	}
	if n := depth(f, "left"); n != maxDepth+1 {
		t.Errorf("left chain is %d deep, want %d (cut at the cap)", n, maxDepth+1)
	}
	if f.Props["left"].Props["right"] != f.Props["right"].Props["left"] {
		t.Errorf("equal subtrees at equal depth should be shared")
	}
	ext := f.Props["secret"].Extensions
	if !reflect.DeepEqual(ext, map[string]any{"x-bulwark-roles": []any{"admin"}, "x-sensitive": true}) {
		t.Errorf("secret extensions = %#v", ext)
	}
	if it := f.Props["list"].Items; it == nil || !it.Open {
		t.Errorf("list (array without items) items = %+v, want open", it)
	}
	if !f.Props["free"].Open || f.Props["none"].Open || f.Props["closedMap"].Open {
		t.Errorf("free/none/closedMap = %+v %+v %+v", f.Props["free"], f.Props["none"], f.Props["closedMap"])
	}
}

func TestConcurrentUse(t *testing.T) {
	d := mustParse(t, responseDoc)
	done := make(chan bool)
	for range 4 {
		go func() {
			defer func() { done <- true }()
			for range 20 {
				d.ResponseFields("GET", "/users/{id}", 200)
				d.ReadOnlyFields("GET", "/users/{id}")
				d.Match("GET", "/users/{x}")
				d.Operations()
			}
		}()
	}
	for range 4 {
		<-done
	}
}
