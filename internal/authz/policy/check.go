package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/overloads"
	"github.com/google/cel-go/common/types"
)

// check applies what the type checker cannot know about the environment, so a
// rule that could never allow is a config error rather than a silent deny:
// the result must be bool, principal has a fixed set of fields, and
// header keys are lower-case.
func check(a *cel.Ast) error {
	// dyn is allowed (principal.authenticated is a dyn map value); Eval
	// rejects a non-bool result at run time.
	if t := a.OutputType(); !t.IsExactType(types.BoolType) && !t.IsExactType(types.DynType) {
		return &CompileError{Line: 1, Col: 1, Msg: fmt.Sprintf("expression must be bool, got %s", t)}
	}
	native := a.NativeRep()
	info := native.SourceInfo()
	var first *CompileError
	report := func(id int64, format string, args ...any) {
		if first != nil {
			return
		}
		loc := info.GetStartLocation(id)
		first = &CompileError{Line: max(loc.Line(), 1), Col: max(loc.Column(), 0) + 1, Msg: fmt.Sprintf(format, args...)}
	}
	celast.PreOrderVisit(native.Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.SelectKind:
			sel := e.AsSelect()
			checkKey(sel.Operand().ID(), sel.Operand(), sel.FieldName(), report)
		case celast.CallKind:
			call := e.AsCall()
			args := call.Args()
			if call.FunctionName() == overloads.Matches {
				checkRegex(call, report)
				return
			}
			if len(args) != 2 {
				return
			}
			var m, k celast.Expr
			var at int64 // where to point: the map, or the key of an in
			switch call.FunctionName() {
			case operators.Index: // m[k]
				m, k = args[0], args[1]
				at = m.ID()
			case operators.In: // k in m
				k, m = args[0], args[1]
				at = k.ID()
			default:
				return
			}
			if k.Kind() != celast.LiteralKind {
				return
			}
			if s, ok := k.AsLiteral().(types.String); ok {
				checkKey(at, m, string(s), report)
			}
		}
	}))
	if first != nil {
		return first
	}
	return nil
}

// checkRegex reports a constant matches() pattern that does not compile,
// which would otherwise surface only when the program is planned.
func checkRegex(call celast.CallExpr, report func(int64, string, ...any)) {
	args := call.Args()
	if len(args) == 0 {
		return
	}
	pat := args[len(args)-1] // s.matches(re) or matches(s, re)
	if pat.Kind() != celast.LiteralKind {
		return
	}
	if s, ok := pat.AsLiteral().(types.String); ok {
		if _, err := regexp.Compile(string(s)); err != nil {
			report(pat.ID(), "invalid regular expression: %v", err)
		}
	}
}

// checkKey reports a constant key of principal or headers that cannot exist.
func checkKey(id int64, m celast.Expr, key string, report func(int64, string, ...any)) {
	if m.Kind() != celast.IdentKind {
		return
	}
	switch m.AsIdent() {
	case "principal":
		if !slices.Contains(principalFields, key) {
			report(id, "principal has no field %q (fields: %s)", key, strings.Join(principalFields, ", "))
		}
	case "headers":
		if hasUpper(key) {
			report(id, "header names are lower-case here: use %q", strings.ToLower(key))
		}
	}
}
