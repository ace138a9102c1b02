package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
	"github.com/bulwark-gw/bulwark/internal/redisconn"
)

const (
	defaultIPv6Prefix    = 64
	defaultMaxDelay      = 5 * time.Second
	maxMaxDelay          = time.Minute
	defaultFailureMode   = "local"
	minClusterSecret     = 32
	defaultBFMaxFailures = 5
	defaultBFWindow      = 15 * time.Minute
	defaultBFLockout     = 15 * time.Minute
	defaultBFDelayAfter  = 3
	defaultBFBaseDelay   = 250 * time.Millisecond
	defaultBFMaxDelay    = 4 * time.Second
	defaultBFAttempt     = time.Minute
	// defaultBFIPFactor sets the IP's thresholds well above a username's:
	// an office behind one NAT shares an address, not a password.
	defaultBFIPFactor = 10
)

var (
	failureModes = []string{"local", "closed", "open"}
	costUnits    = []string{limits.CostRequest, limits.CostGraphQL}
)

func (d *decoder) buildCluster(c *clusterConfig) Cluster {
	if c == nil {
		return Cluster{OnRedisFailure: defaultFailureMode}
	}
	out := Cluster{Redis: orDefault(c.Redis, ""), Secret: string(orDefault(c.Secret, "")),
		OnRedisFailure: orDefault(c.OnRedisFailure, defaultFailureMode), LocalBatch: orDefault(c.LocalBatch, 0)}
	if out.LocalBatch < 0 || out.LocalBatch > 10000 {
		d.errorf("cluster.local_batch", "must be between 0 (off) and 10000")
	}
	if out.Redis != "" {
		if _, err := redisconn.Parse(out.Redis); err != nil {
			d.errorf("cluster.redis", "%v; expected a URL like redis://127.0.0.1:6379/0, rediss://…, redis+sentinel://HOST:26379/0?master_name=NAME or redis+cluster://HOST:6379?addr=HOST2:6379", err)
		} else if literalPassword(d.rawValue("cluster.redis", out.Redis)) {
			d.warnf("cluster.redis", "literal password in the Redis URL: write it as ${env:NAME} or ${file:PATH}")
		}
	}
	if out.Secret != "" && len(out.Secret) < minClusterSecret {
		d.errorf("cluster.secret", "secret must be at least %d characters", minClusterSecret)
	}
	d.oneOf("cluster.on_redis_failure", out.OnRedisFailure, failureModes)
	return out
}

func (d *decoder) buildShield(s *shieldConfig, prefix *int) limits.Shield {
	out := limits.Shield{IPv6Prefix: orDefault(prefix, defaultIPv6Prefix)}
	if out.IPv6Prefix < 32 || out.IPv6Prefix > 128 {
		d.errorf("server.ipv6_prefix", "must be between 32 and 128, got %d", out.IPv6Prefix)
	}
	if s == nil {
		return out
	}
	out.Rate, out.Burst = limits.Rate(orDefault(s.Rate, Rate{})), orDefault(s.Burst, 0)
	if s.Rate == nil {
		d.errorf("server.shield.rate", "rate is required, like 50/s")
	}
	d.atLeast("server.shield.burst", out.Burst, 0)
	return out
}

// rateLimits builds a list of limits; id prefixes each limit's ID.
func (d *decoder) rateLimits(in []rateLimitConfig, path, id string, c Cluster) []limits.RateLimit {
	out := make([]limits.RateLimit, 0, len(in))
	for i, l := range in {
		p := indexPath(path, i)
		rl := limits.RateLimit{ID: fmt.Sprintf("%s#%d", id, i), Rate: limits.Rate(orDefault(l.Rate, Rate{})), Burst: orDefault(l.Burst, 0),
			Algorithm: orDefault(l.Algorithm, "gcra"), Mode: orDefault(l.Mode, "reject"),
			MaxDelay: durationOr(l.MaxDelay, defaultMaxDelay), OnRedisFailure: orDefault(l.OnRedisFailure, c.OnRedisFailure),
			Cost: orDefault(l.Cost, limits.CostRequest)}
		if l.Rate == nil {
			d.errorf(p+".rate", "rate is required, like 600/m")
		}
		rl.By = d.limitKeys(l.By, p+".by")
		d.atLeast(p+".burst", rl.Burst, 0)
		d.oneOf(p+".algorithm", rl.Algorithm, []string{"gcra", "sliding_window"})
		d.oneOf(p+".mode", rl.Mode, []string{"reject", "throttle"})
		d.oneOf(p+".on_redis_failure", rl.OnRedisFailure, failureModes)
		d.oneOf(p+".cost", rl.Cost, costUnits)
		d.between(p+".max_delay", rl.MaxDelay, time.Millisecond, maxMaxDelay)
		if l.MaxDelay != nil && rl.Mode != "throttle" {
			d.errorf(p+".max_delay", "max_delay applies only with mode: throttle")
		}
		out = append(out, rl)
	}
	return out
}

var limitKeyKinds = []string{"consumer", "api_key", "subject", "ip", "route"}

// limitKeys validates a by: list.
func (d *decoder) limitKeys(in []string, path string) []string {
	if len(in) == 0 {
		d.errorf(path, "by is required: consumer, api_key, subject, ip, route, header:NAME or claim:NAME (several combine)")
		return nil
	}
	var out []string
	for i, k := range in {
		kind, name, hasName := strings.Cut(k, ":")
		switch {
		case slices.Contains(out, k):
			d.errorf(indexPath(path, i), "duplicate %q", k)
		case !hasName && slices.Contains(limitKeyKinds, k):
			out = append(out, k)
		case hasName && (kind == "header" || kind == "claim") && name != "":
			if kind == "header" {
				d.headerName(indexPath(path, i), name)
			}
			out = append(out, k)
		default:
			d.errorf(indexPath(path, i), "unknown key %q: expected consumer, api_key, subject, ip, route, header:NAME or claim:NAME", k)
		}
	}
	return out
}

func (d *decoder) buildQuota(q *quotaConfig, path, id string) *limits.Quota {
	if q == nil {
		return nil
	}
	out := &limits.Quota{ID: id, By: orDefault(q.By, "consumer"), Limit: orDefault(q.Limit, 0),
		Period: orDefault(q.Period, "day"), Timezone: orDefault(q.Timezone, "UTC"),
		Cost: orDefault(q.Cost, limits.CostRequest)}
	d.oneOf(path+".by", out.By, []string{"consumer", "subject", "api_key", "ip"})
	if out.Limit <= 0 {
		d.errorf(path+".limit", "limit must be a positive number of requests")
	}
	d.oneOf(path+".period", out.Period, []string{"day", "month"})
	d.oneOf(path+".cost", out.Cost, costUnits)
	if _, err := time.LoadLocation(out.Timezone); err != nil {
		d.errorf(path+".timezone", "unknown time zone %q (use an IANA name like Europe/Berlin)", out.Timezone)
	}
	return out
}

func (d *decoder) buildBruteForce(b *bruteForceConfig, path string) *bruteforce.Options {
	if b == nil {
		return nil
	}
	out := &bruteforce.Options{UsernameField: orDefault(b.UsernameField, "username"), FailureStatuses: slices.Clone(b.FailureStatuses),
		MaxFailures: orDefault(b.MaxFailures, defaultBFMaxFailures), Window: durationOr(b.Window, defaultBFWindow),
		Lockout: durationOr(b.Lockout, defaultBFLockout), DelayAfter: orDefault(b.DelayAfter, defaultBFDelayAfter),
		BaseDelay: durationOr(b.BaseDelay, defaultBFBaseDelay), MaxDelay: durationOr(b.MaxDelay, defaultBFMaxDelay),
		AttemptTimeout: durationOr(b.AttemptTimeout, defaultBFAttempt), UsernameNormalize: bruteforce.DefaultNormalization}
	out.IPMaxFailures = orDefault(b.IPMaxFailures, defaultBFIPFactor*out.MaxFailures)
	out.IPDelayAfter = orDefault(b.IPDelayAfter, defaultBFIPFactor*out.DelayAfter)
	if len(out.FailureStatuses) == 0 {
		out.FailureStatuses = []int{401}
	}
	for i, s := range out.FailureStatuses {
		if s < 400 || s > 599 {
			d.errorf(indexPath(path+".failure_statuses", i), "expected an HTTP error status 400-599, got %d", s)
		}
	}
	if b.UsernameNormalize != nil || d.has(path+".username_normalize") {
		for i, step := range b.UsernameNormalize {
			if _, err := bruteforce.ParseNormalization([]string{step}); err != nil {
				d.errorf(indexPath(path+".username_normalize", i), "unknown step %q: expected %s ([] compares usernames exactly)",
					step, strings.Join(bruteforce.Steps, ", "))
			}
		}
		out.UsernameNormalize, _ = bruteforce.ParseNormalization(b.UsernameNormalize)
	}
	d.atLeast(path+".max_failures", out.MaxFailures, 1)
	d.atLeast(path+".ip_max_failures", out.IPMaxFailures, 0)
	d.atLeast(path+".delay_after", out.DelayAfter, 0)
	d.atLeast(path+".ip_delay_after", out.IPDelayAfter, 0)
	d.positive(path+".window", out.Window, "failures are counted within a window")
	d.positive(path+".lockout", out.Lockout, "a lockout needs a length")
	d.between(path+".max_delay", out.MaxDelay, 0, 30*time.Second)
	if out.AttemptTimeout <= out.MaxDelay {
		d.errorf(path+".attempt_timeout", "must be longer than max_delay (%s): an attempt waits its delay, then the upstream's answer", out.MaxDelay)
	}
	if b.IPMaxFailures != nil && out.IPMaxFailures > 0 && out.IPMaxFailures < out.MaxFailures {
		d.warnf(path+".ip_max_failures", "below max_failures: one user's mistakes lock everyone behind the same address first")
	}
	if out.UsernameField == "" {
		d.errorf(path+".username_field", "username_field must name the JSON or form field holding the username")
	}
	return out
}

// oneOf reports a value outside allowed.
func (d *decoder) oneOf(path, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		d.errorf(path, "expected one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}

// checkAttemptTimeouts warns when a login attempt may legitimately stay in
// flight longer than its reservation: its delay plus the upstream's
// response_header timeout. Such an attempt is counted as a failure when its
// reservation ends, even if it then succeeds.
func (d *decoder) checkAttemptTimeouts(p *Plan) {
	for i, api := range p.APIs {
		up := api.Upstream.ResponseHeaderTimeout
		for j, r := range api.Routes {
			b := r.BruteForce
			if b == nil || up <= 0 || b.AttemptTimeout > b.MaxDelay+up {
				continue
			}
			d.warnf(fmtPath("apis[%d].routes[%d].brute_force.attempt_timeout", i, j),
				"%s is not above max_delay + the upstream's response_header timeout (%s): a slow answer would count as a failed login",
				b.AttemptTimeout, b.MaxDelay+up)
		}
	}
}

// checkCluster checks settings that depend on each other across sections.
func (d *decoder) checkCluster(p *Plan) {
	if p.Cluster.Redis == "" || p.Cluster.Secret != "" {
		return
	}
	for _, api := range p.APIs {
		for _, r := range api.Routes {
			if r.BruteForce != nil {
				d.errorf("cluster.secret", "brute_force with cluster.redis needs cluster.secret: usernames in shared keys are HMAC-hashed with it")
				return
			}
		}
	}
}
