package bruteforce

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// Normalization says which username variants count as one account. The
// gateway's rules must fold at least what the backend folds: a variant the
// backend logs into as the same account but the gateway counts apart gets
// a fresh count. Folding more than the backend only joins the counts of
// accounts the backend keeps apart.
type Normalization struct {
	// NFKC applies Unicode compatibility normalization: full-width
	// "ａｌｉｃｅ", ligatures and composed/decomposed forms become one.
	NFKC bool
	// CaseFold applies full Unicode case folding ("ALICE", "Alice" and
	// "alice" are one; "ß" is "ss").
	CaseFold bool
	// Trim removes leading and trailing Unicode white space.
	Trim bool
}

// DefaultNormalization folds every variant: NFKC, case folding and trim.
var DefaultNormalization = Normalization{NFKC: true, CaseFold: true, Trim: true}

// Normalization steps by their configuration names.
const (
	StepNFKC     = "nfkc"
	StepCaseFold = "casefold"
	StepTrim     = "trim"
)

// Steps lists the configuration names of the steps.
var Steps = []string{StepNFKC, StepCaseFold, StepTrim}

// ParseNormalization builds a Normalization from step names; none is exact
// comparison (control characters are refused all the same).
func ParseNormalization(steps []string) (Normalization, error) {
	var n Normalization
	for _, s := range steps {
		switch s {
		case StepNFKC:
			n.NFKC = true
		case StepCaseFold:
			n.CaseFold = true
		case StepTrim:
			n.Trim = true
		default:
			return n, fmt.Errorf("unknown step %q: expected %s", s, strings.Join(Steps, ", "))
		}
	}
	return n, nil
}

// Canonical returns name as the lockout counts it. A name that is not UTF-8
// or holds a control character (NUL, CR, LF, C1) or an invisible formatting
// one (zero-width space, joiners, BOM, soft hyphen, bidi controls) is
// ErrInvalidUsername: backends truncate at NUL, strip or keep such
// characters each their own way, so "alice\x00" could be alice upstream
// while the gateway counts a stranger. A name that is empty once
// normalized is ErrNoUsername.
func (n Normalization) Canonical(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", ErrInvalidUsername
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return "", ErrInvalidUsername
		}
	}
	if n.NFKC {
		name = norm.NFKC.String(name)
	}
	if n.CaseFold {
		name = cases.Fold().String(name)
		if n.NFKC { // folding can denormalize: NFKC_Casefold applies NFKC again
			name = norm.NFKC.String(name)
		}
	}
	if n.Trim {
		name = strings.TrimSpace(name)
	}
	if name == "" {
		return "", ErrNoUsername
	}
	return name, nil
}

// UsernameRule is how a login route reads its username.
type UsernameRule struct {
	Field     string // the JSON or form field
	Normalize Normalization
}

// Read returns the canonical username of a login request: its body's Field
// (Username), refused when the query string names the field too (InQuery),
// then made canonical (Canonical). Errors wrap ErrMalformed,
// ErrInvalidUsername or ErrNoUsername.
func (u UsernameRule) Read(contentType, rawQuery string, body []byte) (string, error) {
	return u.ReadIndexed(contentType, rawQuery, body, nil)
}

// ReadIndexed is Read with a JSON body's index at hand: index, when not nil,
// returns the index of body (exchange.JSON), so the body is not read again.
// It is asked only when the body is JSON.
func (u UsernameRule) ReadIndexed(contentType, rawQuery string, body []byte, index func() (*jsonread.Index, error)) (string, error) {
	if InQuery(rawQuery, u.Field) {
		return "", fmt.Errorf("%w: field %q in the query string", ErrMalformed, u.Field)
	}
	name, err := username(contentType, body, index, u.Field)
	if err != nil {
		return "", err
	}
	return u.Normalize.Canonical(name)
}
