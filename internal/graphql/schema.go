package graphql

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// The gateway's own schema directives, declared for a schema that uses them
// without declaring them. They are read here and never sent anywhere.
const (
	costDirective      = "directive @cost(weight: Int!) on FIELD_DEFINITION"
	authorizeDirective = "directive @authorize(roles: [String!], scopes: [String!]) on FIELD_DEFINITION"
)

// maxSchemaTokens bounds the schema document (a config file, but one that may
// come from the upstream's introspection).
const maxSchemaTokens = 1_000_000

// SchemaError is a schema that does not load, with its line when known.
type SchemaError struct {
	Line    int
	Message string
}

func (e *SchemaError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// LoadSchema parses and validates SDL, declaring @cost and @authorize when
// the SDL does not.
func LoadSchema(sdl, name string) (*ast.Schema, error) {
	src := &ast.Source{Name: name, Input: sdl}
	doc, err := parser.ParseSchemaWithLimit(src, maxSchemaTokens)
	if err != nil {
		return nil, schemaError(err)
	}
	sources := []*ast.Source{src}
	if doc.Directives.ForName("cost") == nil {
		sources = append(sources, &ast.Source{Name: "bulwark-cost", Input: costDirective, BuiltIn: true})
	}
	if doc.Directives.ForName("authorize") == nil {
		sources = append(sources, &ast.Source{Name: "bulwark-authorize", Input: authorizeDirective, BuiltIn: true})
	}
	s, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		return nil, schemaError(err)
	}
	if s.Query == nil {
		return nil, &SchemaError{Message: "the schema has no query type"}
	}
	return s, nil
}

func schemaError(err error) error {
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		line := 0
		if len(ge.Locations) > 0 {
			line = ge.Locations[0].Line
		}
		return &SchemaError{Line: line, Message: ge.Message}
	}
	return &SchemaError{Message: err.Error()}
}

// directiveRules reads @cost weights and @authorize rules from the schema's
// field definitions. Config entries (already in weights and rules) win.
func directiveRules(s *ast.Schema, weights map[fieldKey]int, rules map[fieldKey]FieldRule) error {
	for _, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			key := fieldKey{def.Name, f.Name}
			if d := f.Directives.ForName("cost"); d != nil {
				if _, set := weights[key]; !set {
					a := d.Arguments.ForName("weight")
					if a == nil || a.Value == nil || a.Value.Kind != ast.IntValue {
						return fmt.Errorf("%s: @cost needs an integer weight", key)
					}
					w, err := strconv.Atoi(a.Value.Raw)
					if err != nil || w < 0 {
						return fmt.Errorf("%s: @cost weight must be a non-negative integer, got %s", key, a.Value.Raw)
					}
					weights[key] = w
				}
			}
			if d := f.Directives.ForName("authorize"); d != nil {
				if _, set := rules[key]; !set {
					rules[key] = FieldRule{Roles: stringList(d.Arguments.ForName("roles")),
						Scopes: stringList(d.Arguments.ForName("scopes"))}
				}
			}
		}
	}
	return nil
}

func stringList(a *ast.Argument) []string {
	if a == nil || a.Value == nil {
		return nil
	}
	var out []string
	if a.Value.Kind == ast.StringValue {
		return []string{a.Value.Raw}
	}
	for _, c := range a.Value.Children {
		if c.Value != nil && c.Value.Kind == ast.StringValue {
			out = append(out, c.Value.Raw)
		}
	}
	return out
}
