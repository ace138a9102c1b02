package sensitive

import (
	"errors"
	"fmt"
)

// Kind names one class of sensitive value.
type Kind string

// The kinds Scan and Detect know, in the fixed order Detect reports them.
const (
	Card         Kind = "card"
	IBAN         Kind = "iban"
	Email        Kind = "email"
	Phone        Kind = "phone"
	SSN          Kind = "ssn"
	PrivateKey   Kind = "private_key"
	CloudKey     Kind = "cloud_key"
	JWT          Kind = "jwt"
	APIKey       Kind = "api_key"
	PasswordHash Kind = "password_hash"
)

// kindIndex numbers the kinds for bit sets; numKinds is their count.
const (
	idxCard = iota
	idxIBAN
	idxEmail
	idxPhone
	idxSSN
	idxPrivateKey
	idxCloudKey
	idxJWT
	idxAPIKey
	idxPasswordHash
	numKinds
)

// kindOf maps an index to its Kind.
func kindOf(i int) Kind {
	switch i {
	case idxCard:
		return Card
	case idxIBAN:
		return IBAN
	case idxEmail:
		return Email
	case idxPhone:
		return Phone
	case idxSSN:
		return SSN
	case idxPrivateKey:
		return PrivateKey
	case idxCloudKey:
		return CloudKey
	case idxJWT:
		return JWT
	case idxAPIKey:
		return APIKey
	default:
		return PasswordHash
	}
}

// indexOf maps a Kind to its index; ok is false for an unknown kind.
func indexOf(k Kind) (int, bool) {
	for i := range numKinds {
		if kindOf(i) == k {
			return i, true
		}
	}
	return 0, false
}

// Kinds returns every known kind, in Detect's order.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for i := range out {
		out[i] = kindOf(i)
	}
	return out
}

// Action is what Scan does with a value of some Kind.
type Action int

// Actions, from weakest to strongest.
const (
	Off     Action = iota // the detector does not run
	Monitor               // report a Finding only
	Redact                // report and replace the value
	Block                 // report, replace, and ask the caller to refuse the response
)

// String returns the action's configuration name ("off", "monitor", "redact", "block").
func (a Action) String() string {
	switch a {
	case Off:
		return "off"
	case Monitor:
		return "monitor"
	case Redact:
		return "redact"
	case Block:
		return "block"
	default:
		return fmt.Sprintf("action(%d)", int(a))
	}
}

// Policy maps kinds to actions; a kind not in it is Off.
type Policy map[Kind]Action

// ErrPolicy is wrapped by errors about a Policy that names an unknown kind or action.
var ErrPolicy = errors.New("sensitive: invalid policy")

// ErrInvalidJSON is wrapped by Scan's errors about a document that is not JSON.
var ErrInvalidJSON = errors.New("sensitive: invalid json")

// Validate reports the first unknown kind or out-of-range action in p.
func (p Policy) Validate() error {
	_, err := p.compile()
	return err
}

// actions is a Policy compiled to an array indexed by kind.
type actions [numKinds]Action

// compile checks p and turns it into an array, so the hot loop needs no map.
// Known kinds are visited in their fixed order and the smallest unknown name is
// reported, so the error does not depend on map iteration order.
func (p Policy) compile() (actions, error) {
	var a actions
	known := 0
	for i := range numKinds {
		act, ok := p[kindOf(i)]
		if !ok {
			continue
		}
		known++
		if act < Off || act > Block {
			return a, fmt.Errorf("%w: kind %q: unknown action %d", ErrPolicy, string(kindOf(i)), int(act))
		}
		a[i] = act
	}
	if known == len(p) {
		return a, nil
	}
	var (
		unknown Kind
		seen    bool
	)
	for k := range p {
		if _, ok := indexOf(k); !ok && (!seen || k < unknown) {
			unknown, seen = k, true
		}
	}
	return a, fmt.Errorf("%w: unknown kind %q", ErrPolicy, string(unknown))
}

// enabled is the set of kinds whose detector runs.
func (a *actions) enabled() kindSet {
	var s kindSet
	for i, act := range a {
		if act != Off {
			s |= 1 << i
		}
	}
	return s
}

// Finding is one sensitive value found by Scan. It never holds the value.
type Finding struct {
	Kind Kind
	Path string // JSON path, e.g. "users[3].card_number"; "" is the document itself
}

// MaxFindings caps the findings Scan records for one document, so a response
// full of emails cannot grow the audit record without bound. Redaction and
// blocking still apply past it.
const MaxFindings = 1000

// Detect runs every detector on s and returns the kinds it matches, in the
// order of the Kind constants; nil when none match.
func Detect(s string) []Kind {
	found := detect([]byte(s), allKinds)
	if found == 0 {
		return nil
	}
	var out []Kind
	for i := range numKinds {
		if found.has(i) {
			out = append(out, kindOf(i))
		}
	}
	return out
}
