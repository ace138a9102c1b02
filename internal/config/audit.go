package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Audit tier, storage and export defaults (docs/audit.md).
const (
	defaultAuditRefusalBudget   = 60
	defaultAuditAllowedSample   = 0.01
	defaultAuditMaxSize         = 1 << 30 // 1 GiB
	defaultAuditRollupRetention = 90 * day
	defaultAuditMinFreeSpace    = 256 << 20
	defaultAuditPruneInterval   = time.Minute
	defaultAuditOnFailure       = "open"
	defaultAuditFileMaxSize     = 100 << 20
	defaultAuditFileEvery       = day
	defaultAuditFileMaxAge      = 7 * day
	defaultAuditFileMaxFiles    = 10
)

// AuditTiers says what the store keeps of each request (internal/audit.TierConfig).
type AuditTiers struct {
	// StoreAll keeps every event in full.
	StoreAll bool
	// RefusalBudget is the refusals stored in full per client IP and reason
	// per minute; the rest are summarised.
	RefusalBudget int
	// AllowedSample is the share of allowed requests stored in full (0 to 1).
	AllowedSample float64
}

// AuditRotation rotates the JSON-lines file.
type AuditRotation struct {
	MaxSize  int64         // bytes before the file is rotated
	Every    time.Duration // a file this old is rotated; 0 rotates by size only
	MaxAge   time.Duration // rotated files older than this are deleted; 0 keeps them
	MaxFiles int           // rotated files kept; 0 keeps them all
	Compress bool          // gzip rotated files
}

// AuditExport configures the optional export of every event.
type AuditExport struct {
	// OTLPEndpoint is the OTLP/HTTP logs URL (e.g. http://collector:4318/v1/logs); "" is off.
	OTLPEndpoint string
	// Syslog is "udp://host:port" or "tcp://host:port" (RFC 5424); "" is off.
	Syslog string
}

type auditTiersConfig struct {
	StoreAll      *bool    `yaml:"store_all"`
	RefusalBudget *int     `yaml:"refusal_budget"`
	AllowedSample *Percent `yaml:"allowed_sample"`
}

type auditRotationConfig struct {
	MaxSize  *Size     `yaml:"max_size"`
	Every    *Duration `yaml:"every"`
	MaxAge   *Duration `yaml:"max_age"`
	MaxFiles *int      `yaml:"max_files"`
	Compress *bool     `yaml:"compress"`
}

type auditExportConfig struct {
	OTLP   *string `yaml:"otlp"`
	Syslog *string `yaml:"syslog"`
}

// Percent is a share written as a percentage ("1%", "0.5%") or a fraction
// between 0 and 1 ("0.01").
type Percent float64

var _ scalarDecoder = (*Percent)(nil)

func (p *Percent) decodeScalar(s string) error {
	num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v != v { //nolint:gocritic // v != v: NaN
		return fmt.Errorf("expected a share like 1%% or 0.01, got %q", s)
	}
	if pct {
		v /= 100
	}
	if v < 0 || v > 1 {
		return fmt.Errorf("must be between 0%% and 100%%, got %q", s)
	}
	*p = Percent(v)
	return nil
}

func (*Percent) expected() string { return "a share like 1%" }

// buildAuditStorage fills the tier, bound, failure, rotation and export fields of out.
func (d *decoder) buildAuditStorage(a auditConfig, out *Audit) {
	t := orDefault(a.Tiers, auditTiersConfig{})
	out.Tiers = AuditTiers{
		StoreAll:      orDefault(t.StoreAll, false),
		RefusalBudget: orDefault(t.RefusalBudget, defaultAuditRefusalBudget),
		AllowedSample: float64(orDefault(t.AllowedSample, Percent(defaultAuditAllowedSample))),
	}
	d.atLeast("audit.tiers.refusal_budget", out.Tiers.RefusalBudget, 0)
	out.MaxSize = int64(orDefault(a.MaxSize, Size(defaultAuditMaxSize)))
	out.RollupRetention = durationOr(a.RollupRetention, defaultAuditRollupRetention)
	out.MinFreeSpace = int64(orDefault(a.MinFreeSpace, Size(defaultAuditMinFreeSpace)))
	out.PruneInterval = durationOr(a.PruneInterval, defaultAuditPruneInterval)
	d.positive("audit.prune_interval", out.PruneInterval, "the store is checked against its bounds at this interval")
	if out.PruneInterval <= 0 {
		out.PruneInterval = defaultAuditPruneInterval
	}
	out.OnFailure = orDefault(a.OnFailure, defaultAuditOnFailure)
	switch out.OnFailure {
	case "open", "block":
	default:
		d.errorf("audit.on_failure", "expected open or block, got %q", out.OnFailure)
	}
	out.WaitForStore = orDefault(a.WaitForStore, false)
	if out.WaitForStore && !out.Store && d.has("audit.wait_for_store") {
		d.errorf("audit.wait_for_store", "needs audit.store: true (the wait is for the store's write)")
	}
	r := orDefault(a.Rotation, auditRotationConfig{})
	out.Rotation = AuditRotation{
		MaxSize:  int64(orDefault(r.MaxSize, Size(defaultAuditFileMaxSize))),
		Every:    durationOr(r.Every, defaultAuditFileEvery),
		MaxAge:   durationOr(r.MaxAge, defaultAuditFileMaxAge),
		MaxFiles: orDefault(r.MaxFiles, defaultAuditFileMaxFiles),
		Compress: orDefault(r.Compress, true),
	}
	if out.Rotation.MaxSize < 1<<20 && d.has("audit.rotation.max_size") {
		d.errorf("audit.rotation.max_size", "must be at least 1MiB (the rotation works in whole MiB)")
	}
	d.atLeast("audit.rotation.max_files", out.Rotation.MaxFiles, 0)
	x := orDefault(a.Export, auditExportConfig{})
	out.Export.OTLPEndpoint = orDefault(x.OTLP, "")
	if e := out.Export.OTLPEndpoint; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.errorf("audit.export.otlp", "expected an OTLP/HTTP logs URL like http://collector:4318/v1/logs")
		}
	}
	out.Export.Syslog = orDefault(x.Syslog, "")
	if e := out.Export.Syslog; e != "" {
		if u, err := url.Parse(e); err != nil || (u.Scheme != "udp" && u.Scheme != "tcp") || u.Port() == "" {
			d.errorf("audit.export.syslog", "expected udp://HOST:PORT or tcp://HOST:PORT")
		}
	}
}
