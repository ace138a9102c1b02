package policy

import (
	"errors"
	"fmt"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

// MaxCost is the runtime cost budget of one evaluation, in CEL cost units
// (roughly one per operation, more for string and list work proportional to
// size). A typical rule costs under 50; the limit stops a nested comprehension
// over request lists from burning CPU per request (a cheap DoS).
const MaxCost = 10_000

// MaxExprSize is the largest expression accepted, in code points. Rules are
// short; the cap bounds parser work on a hostile config.
const MaxExprSize = 8192

// ErrCostExceeded is wrapped by Eval's error when an evaluation ran over MaxCost.
var ErrCostExceeded = errors.New("policy: evaluation cost limit exceeded")

// CompileError is a problem in an expression, located within it. Line and Col
// are 1-based and count code points, so config validation can add the line
// the expression starts at and point at file:line.
type CompileError struct {
	Line, Col int
	Msg       string
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("policy: %d:%d: %s", e.Line, e.Col, e.Msg)
}

// Input is the part of a request a rule can see.
type Input struct {
	Principal *principal.Principal // nil for anonymous
	Params    map[string]string    // path parameters
	Query     map[string][]string  // url.Values
	Headers   map[string][]string  // http.Header (canonical keys)
	Method    string
	Path      string
}

// Program is a compiled rule. It is immutable and safe for concurrent use.
type Program struct {
	src     string
	prg     cel.Program
	adapter types.Adapter
}

// newEnv declares the request environment. It is built once: a cel.Env is
// immutable after construction and safe to share between compilations.
var sharedEnv = sync.OnceValues(func() (*cel.Env, error) {
	multi := cel.MapType(cel.StringType, cel.ListType(cel.StringType))
	return cel.NewEnv(
		cel.Variable("principal", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("params", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("query", multi),
		cel.Variable("headers", multi),
		cel.Variable("method", cel.StringType),
		cel.Variable("path", cel.StringType),
		cel.ParserExpressionSizeLimit(MaxExprSize),
	)
})

// Compile parses and type-checks expr against the request environment; the
// result type must be bool. Errors are *CompileError, carrying the line and
// column of the first problem within expr.
func Compile(expr string) (*Program, error) {
	env, err := sharedEnv()
	if err != nil {
		return nil, fmt.Errorf("policy: build environment: %w", err)
	}
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, issueError(iss)
	}
	if err := check(ast); err != nil {
		return nil, err
	}
	prg, err := env.Program(ast,
		cel.CostLimit(MaxCost),
		cel.EvalOptions(cel.OptOptimize), // precompile constant regexes once
	)
	if err != nil { // e.g. a constant argument rejected while precomputing it
		return nil, &CompileError{Line: 1, Col: 1, Msg: err.Error()}
	}
	return &Program{src: expr, prg: prg, adapter: env.CELTypeAdapter()}, nil
}

// issueError turns the first of cel's issues into a CompileError, noting how
// many more there were.
func issueError(iss *cel.Issues) error {
	errs := iss.Errors()
	if len(errs) == 0 {
		return &CompileError{Line: 1, Col: 1, Msg: iss.String()}
	}
	e := errs[0]
	ce := &CompileError{Line: e.Location.Line(), Col: e.Location.Column() + 1, Msg: e.Message}
	ce.Line, ce.Col = max(ce.Line, 1), max(ce.Col, 1) // an error at end of input has column -1
	if n := len(errs) - 1; n > 0 {
		ce.Msg = fmt.Sprintf("%s (and %d more)", ce.Msg, n)
	}
	return ce
}

// Source returns the expression p was compiled from.
func (p *Program) Source() string { return p.src }

// Eval returns the decision for in. Any evaluation error (missing key, type
// error, cost exceeded) is returned with false: the caller must deny.
func (p *Program) Eval(in *Input) (bool, error) {
	if in == nil {
		in = &Input{}
	}
	act := newActivation(in, p.adapter)
	out, _, err := p.prg.Eval(act)
	if err != nil {
		var ce interpreter.EvalCancelledError
		if errors.As(err, &ce) && ce.Cause == interpreter.CostLimitExceeded {
			return false, ErrCostExceeded
		}
		return false, fmt.Errorf("policy: evaluate: %w", err)
	}
	b, ok := out.(types.Bool)
	if !ok { // unreachable for a checked bool expression; fail closed anyway
		return false, fmt.Errorf("policy: evaluate: result is %s, not bool", out.Type().TypeName())
	}
	return bool(b), nil
}
