package config

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
)

const limitsBase = `admin: {listen: "off"}
server:
  shield: {rate: 50/s, burst: 100}
cluster:
  redis: redis://127.0.0.1:6379/0
  secret: ${env:ADMIN_TOKEN}-cluster-secret-for-tests
  on_redis_failure: closed
apis:
  - name: shop
    upstream: http://127.0.0.1:9001
    auth: [none]
    rate_limits:
      - by: [ip]
        rate: 600/m
        burst: 20
    quota: {by: ip, limit: 1000, period: month, timezone: Europe/Berlin}
    routes:
`

func TestRateLimitPlan(t *testing.T) {
	plan, diags := parseString(t, limitsBase+`      - match: GET /products
      - match: POST /login
        rate_limits:
          - by: [ip, header:X-Tenant]
            rate: 10/m
            mode: throttle
            max_delay: 2s
            on_redis_failure: local
        brute_force:
          username_field: email
          failure_statuses: [401, 403]
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if plan.Server.Shield.Rate != (limits.Rate{N: 50, Per: time.Second}) || plan.Server.Shield.IPv6Prefix != 64 {
		t.Fatalf("shield %+v", plan.Server.Shield)
	}
	if plan.Cluster.OnRedisFailure != "closed" || plan.Cluster.Redis == "" {
		t.Fatalf("cluster %+v", plan.Cluster)
	}
	r := plan.APIs[0].Routes
	inherited := r[0].RateLimits[0]
	if inherited.ID != "shop#0" || inherited.OnRedisFailure != "closed" || inherited.Mode != "reject" || r[0].Quota.ID != "shop" {
		t.Fatalf("inherited %+v quota %+v", inherited, r[0].Quota)
	}
	own := r[1].RateLimits[0]
	if own.ID != "shop/POST /login#0" || own.Mode != "throttle" || own.MaxDelay != 2*time.Second ||
		!slices.Equal(own.By, []string{"ip", "header:X-Tenant"}) || own.OnRedisFailure != "local" {
		t.Fatalf("own %+v", own)
	}
	bf := r[1].BruteForce
	if bf == nil || bf.UsernameField != "email" || bf.MaxFailures != 5 || !slices.Equal(bf.FailureStatuses, []int{401, 403}) {
		t.Fatalf("brute force %+v", bf)
	}
	if bf.IPMaxFailures != 50 || bf.IPDelayAfter != 30 || bf.AttemptTimeout != time.Minute ||
		bf.UsernameNormalize != bruteforce.DefaultNormalization {
		t.Fatalf("brute force defaults %+v", bf)
	}
}

func TestBruteForceOptions(t *testing.T) {
	plan, diags := parseString(t, limitsBase+`      - match: POST /login
        brute_force:
          max_failures: 3
          ip_max_failures: 0
          username_normalize: []
          attempt_timeout: 2m
      - match: POST /login2
        brute_force:
          max_failures: 4
          delay_after: 2
          username_normalize: [trim, casefold]
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a, b := plan.APIs[0].Routes[0].BruteForce, plan.APIs[0].Routes[1].BruteForce
	if a.IPMaxFailures != 0 || a.UsernameNormalize != (bruteforce.Normalization{}) || a.AttemptTimeout != 2*time.Minute {
		t.Errorf("explicit options %+v", a)
	}
	if b.IPMaxFailures != 40 || b.IPDelayAfter != 20 || b.UsernameNormalize != (bruteforce.Normalization{Trim: true, CaseFold: true}) {
		t.Errorf("defaults scaled from the username's %+v", b)
	}
}

func TestRateLimitProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"missing rate", limitsBase + "      - match: /a\n        rate_limits: [{by: [ip]}]\n", "rate is required"},
		{"bad rate", limitsBase + "      - match: /a\n        rate_limits: [{by: [ip], rate: fast}]\n", "expected a rate like 10/s"},
		{"no by", limitsBase + "      - match: /a\n        rate_limits: [{rate: 1/s}]\n", "by is required"},
		{"unknown key", limitsBase + "      - match: /a\n        rate_limits: [{by: [cookie], rate: 1/s}]\n", `unknown key "cookie"`},
		{"bad mode", limitsBase + "      - match: /a\n        rate_limits: [{by: [ip], rate: 1/s, mode: queue}]\n", "expected one of reject, throttle"},
		{"delay without throttle", limitsBase + "      - match: /a\n        rate_limits: [{by: [ip], rate: 1/s, max_delay: 1s}]\n", "max_delay applies only with mode: throttle"},
		{"bad zone", strings.Replace(limitsBase, "Europe/Berlin", "Mars/Olympus", 1) + "      - match: /a\n", `unknown time zone "Mars/Olympus"`},
		{"bad redis url", strings.Replace(limitsBase, "redis://127.0.0.1:6379/0", "127.0.0.1:6379", 1) + "      - match: /a\n", "expected a URL like redis://"},
		{"brute force needs secret", strings.Replace(limitsBase, "  secret: ${env:ADMIN_TOKEN}-cluster-secret-for-tests\n", "", 1) +
			"      - match: POST /login\n        brute_force: {}\n", "brute_force with cluster.redis needs cluster.secret"},
		{"bad failure status", limitsBase + "      - match: POST /login\n        brute_force: {failure_statuses: [200]}\n", "expected an HTTP error status"},
		{"unknown normalize step", limitsBase + "      - match: POST /login\n        brute_force:\n          username_normalize: [trim, lower]\n",
			"brute_force.username_normalize[1]: error: unknown step \"lower\""},
		{"attempt timeout within delay", limitsBase + "      - match: POST /login\n        brute_force: {attempt_timeout: 2s, max_delay: 4s}\n",
			"brute_force.attempt_timeout: error: must be longer than max_delay"},
		{"negative ip threshold", limitsBase + "      - match: POST /login\n        brute_force: {ip_max_failures: -1}\n",
			"brute_force.ip_max_failures: error: must be at least 0"},
		{"ip below user", limitsBase + "      - match: POST /login\n        brute_force: {max_failures: 5, ip_max_failures: 2}\n",
			"ip_max_failures: warning: below max_failures"},
		{"consumer limit on an open route", limitsBase + "      - match: GET /a\n        rate_limits: [{by: [ip, consumer], rate: 1/s}]\n",
			`rate_limits[0].by[1]: error: "consumer" on a route whose auth is [none]`},
		{"claim limit on an open route", limitsBase + "      - match: GET /a\n        rate_limits: [{by: [\"claim:tenant\"], rate: 1/s}]\n",
			`rate_limits[0].by[0]: error: "claim:tenant" on a route whose auth is [none]`},
		{"consumer quota on an open route", limitsBase + "      - match: GET /a\n        quota: {limit: 10}\n",
			`quota.by: error: "consumer" on a route whose auth is [none]`},
		{"attempt timeout within the upstream's", limitsBase + "      - match: POST /login\n        brute_force: {attempt_timeout: 20s}\n",
			"brute_force.attempt_timeout: warning: 20s is not above max_delay + the upstream's response_header timeout (34s)"},
		{"ipv6 prefix", strings.Replace(limitsBase, "server:\n", "server:\n  ipv6_prefix: 8\n", 1) + "      - match: /a\n", "ipv6_prefix: error: must be between 32 and 128"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := parseString(t, tc.src)
			if !strings.Contains(diags.String(), tc.want) {
				t.Fatalf("want %q in\n%s", tc.want, diags)
			}
		})
	}
}
