package waf

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental"
	"github.com/corazawaf/coraza/v3/types"
)

// Defaults applied by New to zero fields of Config.
const (
	// DefaultParanoia is CRS paranoia level 1: the rules with the fewest false positives.
	DefaultParanoia = 1
	// DefaultAnomalyThreshold is the CRS default inbound threshold: one critical match blocks.
	DefaultAnomalyThreshold = 5
	// DefaultBodyLimit matches Bulwark's default request body limit (limits.max_body).
	DefaultBodyLimit int64 = 10 << 20
	// MaxBodyLimit bounds BodyLimit: Coraza holds the whole inspected body in memory.
	MaxBodyLimit int64 = 1 << 30
)

// maxRuleIDs bounds Verdict.RuleIDs, so an audit record stays small whatever matched.
const maxRuleIDs = 16

// Config is the WAF's configuration. A zero field takes the default named beside it.
type Config struct {
	// Paranoia is the CRS paranoia level, 1 to 4 (0 means DefaultParanoia). The blocking
	// and detection levels are set to the same value. Higher levels add rules that catch
	// more evasions and raise more false positives.
	Paranoia int
	// AnomalyThreshold is the inbound anomaly score at which CRS blocks (0 means
	// DefaultAnomalyThreshold, 5: one critical match). A critical match scores 5, an
	// error 4, a warning 3, a notice 2.
	AnomalyThreshold int
	// BodyLimit is the number of request body bytes given to Coraza (0 means
	// DefaultBodyLimit, at most MaxBodyLimit). A longer body is refused with 413 rather
	// than inspected in part: inspecting a prefix would let an attacker pad an attack
	// past the limit. The body is held in memory only, never spilled to a temporary file.
	BodyLimit int64
	// RemoveRules are CRS rule ids removed (SecRuleRemoveById) to silence known false
	// positives. Every id must name a loaded rule. The initialization (901xxx) and
	// blocking-evaluation (949xxx) rules cannot be removed: without them nothing blocks.
	RemoveRules []int
}

// WAF evaluates requests against the OWASP Core Rule Set with Coraza. It is built once
// by New and is safe for concurrent use.
type WAF struct {
	waf  coraza.WAF
	conf Config
}

// New builds the Coraza WAF with the embedded CRS. Loading and compiling the rules takes
// a noticeable time (about a second), so build one WAF per configuration and share it.
func New(c Config) (*WAF, error) {
	c, err := c.normalize()
	if err != nil {
		return nil, err
	}
	loaded := map[int]bool{}
	cfg := coraza.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(directives(c))
	cfg = experimental.WAFConfigWithRuleObserver(cfg, func(r types.RuleMetadata) {
		loaded[r.ID()] = true
	})
	w, err := coraza.NewWAF(cfg)
	if err != nil {
		return nil, fmt.Errorf("waf: build coraza: %w", err)
	}
	// A removal that names no rule is a typo that leaves the false positive in place.
	var missing []string
	for _, id := range c.RemoveRules {
		if !loaded[id] {
			missing = append(missing, strconv.Itoa(id))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("waf: remove_rules: no loaded rule has id %s", strings.Join(missing, ", "))
	}
	return &WAF{waf: w, conf: c}, nil
}

// Config returns the configuration the WAF was built with, defaults filled in.
func (w *WAF) Config() Config {
	c := w.conf
	c.RemoveRules = slices.Clone(c.RemoveRules)
	return c
}

// normalize fills defaults and reports every invalid field together.
func (c Config) normalize() (Config, error) {
	var errs []error
	if c.Paranoia == 0 {
		c.Paranoia = DefaultParanoia
	}
	if c.Paranoia < 1 || c.Paranoia > 4 {
		errs = append(errs, fmt.Errorf("waf: paranoia %d out of range 1..4", c.Paranoia))
	}
	if c.AnomalyThreshold == 0 {
		c.AnomalyThreshold = DefaultAnomalyThreshold
	}
	if c.AnomalyThreshold < 1 {
		errs = append(errs, fmt.Errorf("waf: anomaly threshold %d must be at least 1", c.AnomalyThreshold))
	}
	if c.BodyLimit == 0 {
		c.BodyLimit = DefaultBodyLimit
	}
	if c.BodyLimit < 1 || c.BodyLimit > MaxBodyLimit {
		errs = append(errs, fmt.Errorf("waf: body limit %d out of range 1..%d", c.BodyLimit, MaxBodyLimit))
	}
	c.RemoveRules = slices.Clone(c.RemoveRules)
	for _, id := range c.RemoveRules {
		if err := removable(id); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

// removable refuses ids whose removal would switch blocking off or undo this
// package's own settings.
func removable(id int) error {
	switch {
	case id <= 0:
		return fmt.Errorf("waf: remove_rules: invalid rule id %d", id)
	case id >= bulwarkRuleFirst && id <= bulwarkRuleLast:
		return fmt.Errorf("waf: remove_rules: rule %d is a Bulwark safety rule", id)
	case crsSetup(id):
		return fmt.Errorf("waf: remove_rules: rule %d configures CRS and cannot be removed", id)
	case crsEvaluation(id):
		return fmt.Errorf("waf: remove_rules: rule %d is CRS blocking evaluation and cannot be removed", id)
	}
	return nil
}

// crsSetup reports the CRS setup and initialization rules (900xxx, 901xxx).
func crsSetup(id int) bool { return id >= 900000 && id <= 901999 }

// crsEvaluation reports the CRS inbound blocking evaluation rules (949xxx).
func crsEvaluation(id int) bool { return id >= 949000 && id <= 949999 }

// Ids of the rules this package adds (the 1–99,999 range is reserved for local use).
const (
	bulwarkRuleFirst = 10001
	bulwarkRuleLast  = 10099
)

// directives is the SecLang configuration: Coraza's recommended base, hardened for a
// gateway that inspects requests only, then the CRS setup, paranoia and threshold, the
// request rules, and the removals last (SecRuleRemoveById acts on rules already loaded).
func directives(c Config) string {
	var b strings.Builder
	b.WriteString(`Include @coraza.conf-recommended
SecRuleEngine On
SecRequestBodyAccess On
SecResponseBodyAccess Off
SecAuditEngine Off
SecRequestBodyLimitAction Reject
SecArgumentsLimit 1000
`)
	// Coraza refuses a body when length >= limit; +1 makes BodyLimit itself allowed. The
	// in-memory limit equal to it keeps bodies off disk.
	fmt.Fprintf(&b, "SecRequestBodyLimit %d\nSecRequestBodyInMemoryLimit %d\n", c.BodyLimit+1, c.BodyLimit+1)
	// Arguments past SecArgumentsLimit are dropped unseen, and an unparsable URI leaves
	// its query half-read: both would be bypasses, so both are refused.
	b.WriteString(`SecRule URI_PARSE_ERROR "@eq 1" "id:10001,phase:1,t:none,log,deny,status:400,msg:'URI failed to parse'"
SecRule ARGUMENTS_LIMIT_REACHED "@eq 1" "id:10002,phase:1,t:none,log,deny,status:400,msg:'Argument limit reached (query)'"
SecRule ARGUMENTS_LIMIT_REACHED "@eq 1" "id:10003,phase:2,t:none,log,deny,status:400,msg:'Argument limit reached (body)'"
Include @crs-setup.conf.example
`)
	fmt.Fprintf(&b, `SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=%d"
SecAction "id:900001,phase:1,pass,t:none,nolog,setvar:tx.detection_paranoia_level=%d"
SecAction "id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold=%d,setvar:tx.outbound_anomaly_score_threshold=4"
`, c.Paranoia, c.Paranoia, c.AnomalyThreshold)
	// CRS's defaults are written for web sites. Bulwark's routes already decide methods
	// (405) and content types (415), so CRS is told about the REST methods and the JSON
	// media types APIs send; every +json type is parsed by the JSON body processor.
	b.WriteString(`SecAction "id:900200,phase:1,pass,t:none,nolog,setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE'"
SecAction "id:900220,phase:1,pass,t:none,nolog,setvar:'tx.allowed_request_content_type=|application/x-www-form-urlencoded| |multipart/form-data| |text/xml| |application/xml| |application/soap+xml| |application/json| |application/merge-patch+json| |application/json-patch+json| |application/vnd.api+json| |application/ld+json|'"
`)
	// Only the request rules: responses are never inspected by this package.
	b.WriteString("Include @owasp_crs/REQUEST-*.conf\n")
	for _, id := range c.RemoveRules {
		fmt.Fprintf(&b, "SecRuleRemoveById %d\n", id)
	}
	return b.String()
}
