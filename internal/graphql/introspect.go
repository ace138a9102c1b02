package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// introspectionQuery asks for everything SDL needs: types with their fields,
// arguments, input fields, interfaces, enum values and union members, and the
// root operation types. Type references nest seven levels ([[T!]!]! and more).
const introspectionQuery = `query BulwarkIntrospection {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      kind name
      fields(includeDeprecated: true) { name args { name type { ...Ref } defaultValue } type { ...Ref } }
      inputFields { name type { ...Ref } defaultValue }
      interfaces { name }
      enumValues(includeDeprecated: true) { name }
      possibleTypes { name }
    }
  }
}
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

// maxIntrospection bounds the upstream's introspection answer.
const maxIntrospection = 16 << 20

// Introspect asks the GraphQL endpoint at url for its schema and returns it
// as SDL. client should carry a timeout.
func Introspect(ctx context.Context, client *http.Client, url string) (string, error) {
	body, _ := json.Marshal(map[string]string{"query": introspectionQuery, "operationName": "BulwarkIntrospection"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxIntrospection+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxIntrospection {
		return "", errors.New("the introspection answer is over 16 MiB")
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the upstream answered %d", resp.StatusCode)
	}
	return SDLFromIntrospection(data)
}

type introType struct {
	Kind   string       `json:"kind"`
	Name   string       `json:"name"`
	OfType *introType   `json:"ofType"`
	Fields []introField `json:"fields"`
	Input  []introArg   `json:"inputFields"`
	Ifaces []introType  `json:"interfaces"`
	Enums  []struct {
		Name string `json:"name"`
	} `json:"enumValues"`
	Possible []introType `json:"possibleTypes"`
}

type introField struct {
	Name string     `json:"name"`
	Args []introArg `json:"args"`
	Type introType  `json:"type"`
}

type introArg struct {
	Name    string    `json:"name"`
	Type    introType `json:"type"`
	Default *string   `json:"defaultValue"`
}

// SDLFromIntrospection turns an introspection answer ({"data":{"__schema":…}})
// into SDL. Directives other than the built-in ones are not carried over.
func SDLFromIntrospection(data []byte) (string, error) {
	var resp struct {
		Data *struct {
			Schema *struct {
				Query        *introType  `json:"queryType"`
				Mutation     *introType  `json:"mutationType"`
				Subscription *introType  `json:"subscriptionType"`
				Types        []introType `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return "", fmt.Errorf("the introspection answer is not JSON: %w", err)
	}
	if resp.Data == nil || resp.Data.Schema == nil {
		if len(resp.Errors) > 0 {
			return "", fmt.Errorf("the upstream refused introspection: %s", resp.Errors[0].Message)
		}
		return "", errors.New("the introspection answer has no data.__schema")
	}
	s := resp.Data.Schema
	if s.Query == nil {
		return "", errors.New("the introspected schema has no query type")
	}
	var b strings.Builder
	b.WriteString("schema { query: " + s.Query.Name)
	if s.Mutation != nil {
		b.WriteString(" mutation: " + s.Mutation.Name)
	}
	if s.Subscription != nil {
		b.WriteString(" subscription: " + s.Subscription.Name)
	}
	b.WriteString(" }\n")
	types := s.Types
	sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	for _, t := range types {
		if strings.HasPrefix(t.Name, "__") || builtinScalar(t.Name) {
			continue
		}
		switch t.Kind {
		case "SCALAR":
			b.WriteString("scalar " + t.Name + "\n")
		case "OBJECT", "INTERFACE":
			kw := "type "
			if t.Kind == "INTERFACE" {
				kw = "interface "
			}
			b.WriteString(kw + t.Name)
			for i, iface := range t.Ifaces {
				if i == 0 {
					b.WriteString(" implements ")
				} else {
					b.WriteString(" & ")
				}
				b.WriteString(iface.Name)
			}
			b.WriteString(" {\n")
			for _, f := range t.Fields {
				b.WriteString("  " + f.Name)
				if len(f.Args) > 0 {
					b.WriteString("(")
					for i, a := range f.Args {
						if i > 0 {
							b.WriteString(", ")
						}
						writeArg(&b, a)
					}
					b.WriteString(")")
				}
				b.WriteString(": " + typeRef(f.Type) + "\n")
			}
			b.WriteString("}\n")
		case "UNION":
			names := make([]string, len(t.Possible))
			for i, p := range t.Possible {
				names[i] = p.Name
			}
			b.WriteString("union " + t.Name + " = " + strings.Join(names, " | ") + "\n")
		case "ENUM":
			b.WriteString("enum " + t.Name + " {")
			for _, v := range t.Enums {
				b.WriteString(" " + v.Name)
			}
			b.WriteString(" }\n")
		case "INPUT_OBJECT":
			b.WriteString("input " + t.Name + " {\n")
			for _, a := range t.Input {
				b.WriteString("  ")
				writeArg(&b, a)
				b.WriteString("\n")
			}
			b.WriteString("}\n")
		default:
			return "", fmt.Errorf("type %s has an unknown kind %q", t.Name, t.Kind)
		}
	}
	return b.String(), nil
}

func writeArg(b *strings.Builder, a introArg) {
	b.WriteString(a.Name + ": " + typeRef(a.Type))
	if a.Default != nil {
		b.WriteString(" = " + *a.Default)
	}
}

func typeRef(t introType) string {
	switch {
	case t.Kind == "NON_NULL" && t.OfType != nil:
		return typeRef(*t.OfType) + "!"
	case t.Kind == "LIST" && t.OfType != nil:
		return "[" + typeRef(*t.OfType) + "]"
	}
	return t.Name
}

func builtinScalar(name string) bool {
	switch name {
	case "String", "Int", "Float", "Boolean", "ID":
		return true
	}
	return false
}

// IntrospectTimeout bounds fetching a schema from the upstream at start or
// reload.
const IntrospectTimeout = 10 * time.Second

// NewFromUpstream is New for a route whose options may ask for the schema from
// the upstream (Introspect): it asks endpoint, the route's URL on the API's
// first target ("" when the API has none), now; a failure fails the start or
// the reload, which keeps the serving state. client makes the request (the
// upstream's TLS settings); nil is a plain client.
func NewFromUpstream(o Options, endpoint string, client *http.Client) (*Guard, error) {
	if o.Introspect {
		if endpoint == "" {
			return nil, errors.New("graphql: introspection needs an upstream target")
		}
		ctx, cancel := context.WithTimeout(context.Background(), IntrospectTimeout)
		defer cancel()
		if client == nil {
			client = &http.Client{Timeout: IntrospectTimeout}
		}
		sdl, err := Introspect(ctx, client, endpoint)
		if err != nil {
			return nil, fmt.Errorf("graphql: introspecting %s: %w", endpoint, err)
		}
		o.Schema, o.SchemaName = sdl, "introspection of "+endpoint
	}
	g, err := New(o)
	if err != nil {
		return nil, fmt.Errorf("graphql: %w", err)
	}
	return g, nil
}
