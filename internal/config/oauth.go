package config

import (
	"net/url"
	"slices"
	"time"

	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
)

// AuthOAuth is the auth method of a route that accepts access tokens of the
// built-in authorization server (the `oauth:` section).
const AuthOAuth = "oauth"

// Bounds of the oauth section.
const (
	defaultRevocationPoll = 250 * time.Millisecond
	maxRevocationPoll     = time.Second
)

// The oauth section of the file: Bulwark's own authorization server. Docs
// for each field live in docs/oauth.md.
type oauthConfig struct {
	Issuer          *string            `yaml:"issuer"`
	Secret          *Secret            `yaml:"secret"`
	Audience        *string            `yaml:"audience"`
	AccessTokenTTL  *Duration          `yaml:"access_token_ttl"`
	RefreshTokenTTL *Duration          `yaml:"refresh_token_ttl"`
	CodeTTL         *Duration          `yaml:"code_ttl"`
	RefreshGrace    *Duration          `yaml:"refresh_grace"`
	KeyRotation     *Duration          `yaml:"key_rotation"`
	KeyPublishAhead *Duration          `yaml:"key_publish_ahead"`
	LoginTTL        *Duration          `yaml:"login_ttl"`
	BruteForce      *bruteForceConfig  `yaml:"brute_force"`
	RevocationPoll  *Duration          `yaml:"revocation_poll"`
	ActivityWindow  *Duration          `yaml:"activity_window"`
	Scopes          []oauthScopeConfig `yaml:"scopes"`
}

type oauthScopeConfig struct {
	Name        *string  `yaml:"name"`
	Description *string  `yaml:"description"`
	Categories  []string `yaml:"data_categories"`
}

// OAuth is the built-in authorization server's plan: the server's own
// options, and how often gateway nodes read the revocation log.
type OAuth struct {
	Options        oauthserver.Options
	RevocationPoll time.Duration
}

func (d *decoder) buildOAuth(c *oauthConfig, store string) *OAuth {
	if c == nil {
		return nil
	}
	const path = "oauth"
	o := oauthserver.Options{
		Issuer: orDefault(c.Issuer, ""), Secret: []byte(orDefault(c.Secret, "")), Audience: orDefault(c.Audience, ""),
		AccessTokenTTL:  durationOr(c.AccessTokenTTL, oauthserver.DefaultAccessTokenTTL),
		RefreshTokenTTL: durationOr(c.RefreshTokenTTL, oauthserver.DefaultRefreshTokenTTL),
		CodeTTL:         durationOr(c.CodeTTL, oauthserver.DefaultCodeTTL),
		RefreshGrace:    durationOr(c.RefreshGrace, oauthserver.DefaultRefreshGrace),
		KeyRotation:     durationOr(c.KeyRotation, oauthserver.DefaultKeyRotation),
		KeyPublishAhead: durationOr(c.KeyPublishAhead, 10*time.Minute),
		LoginTTL:        durationOr(c.LoginTTL, oauthserver.DefaultLoginTTL),
		ActivityWindow:  durationOr(c.ActivityWindow, oauthserver.DefaultActivityWindow),
	}
	if u, err := url.Parse(o.Issuer); o.Issuer == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		d.errorf(path+".issuer", "issuer is required: the public http(s) origin of the gateway, e.g. https://api.example.com (no path)")
	}
	switch {
	case len(o.Secret) == 0:
		d.errorf(path+".secret", "secret is required: it encrypts signing keys in the store and keys token hashes (use ${env:NAME} or ${file:PATH})")
	case len(o.Secret) < oauthserver.MinSecretBytes:
		d.errorf(path+".secret", "secret must be at least %d characters, got %d", oauthserver.MinSecretBytes, len(o.Secret))
	}
	d.between(path+".access_token_ttl", o.AccessTokenTTL, time.Minute, 24*time.Hour)
	d.between(path+".refresh_token_ttl", o.RefreshTokenTTL, time.Hour, 365*24*time.Hour)
	d.between(path+".code_ttl", o.CodeTTL, 10*time.Second, 10*time.Minute)
	d.between(path+".refresh_grace", o.RefreshGrace, 0, time.Minute)
	d.between(path+".key_rotation", o.KeyRotation, time.Hour, 365*24*time.Hour)
	d.between(path+".key_publish_ahead", o.KeyPublishAhead, time.Minute, 24*time.Hour)
	d.between(path+".login_ttl", o.LoginTTL, time.Minute, 30*24*time.Hour)
	d.between(path+".activity_window", o.ActivityWindow, time.Hour, 365*24*time.Hour)
	o.Login = d.buildLoginProtection(c.BruteForce, path+".brute_force")
	if o.RefreshGrace == 0 {
		o.RefreshGrace = -1 // an explicit 0s turns the grace window off
	}
	poll := durationOr(c.RevocationPoll, defaultRevocationPoll)
	d.between(path+".revocation_poll", poll, 50*time.Millisecond, maxRevocationPoll)
	var names []string
	for i, s := range c.Scopes {
		p := indexPath(path+".scopes", i)
		sc := oauthserver.Scope{Name: orDefault(s.Name, ""), Description: orDefault(s.Description, ""), Categories: slices.Clone(s.Categories)}
		switch {
		case !oauthserver.ValidScopeToken(sc.Name):
			d.errorf(p+".name", "name must be a scope token (printable ASCII without spaces, quotes or backslashes)")
		case slices.Contains(names, sc.Name):
			d.errorf(p+".name", "scope %q is listed twice", sc.Name)
		}
		if sc.Description == "" {
			d.errorf(p+".description", "description is required: the consent screen shows it (e.g. \"read your orders\")")
		}
		names = append(names, sc.Name)
		o.Scopes = append(o.Scopes, sc)
	}
	if store == "" {
		d.errorf(path, "the authorization server needs a store")
	}
	return &OAuth{Options: o, RevocationPoll: poll}
}

// buildLoginProtection decodes oauth.brute_force, the sign-in page's
// brute-force protection: a route's brute_force block (same keys, same
// defaults, same checks) without the keys that describe a login upstream.
func (d *decoder) buildLoginProtection(b *bruteForceConfig, path string) bruteforce.Options {
	if b == nil {
		b = &bruteForceConfig{}
	}
	if b.UsernameField != nil {
		d.errorf(path+".username_field", "the sign-in page's form field is fixed (username); remove username_field")
	}
	if b.FailureStatuses != nil {
		d.errorf(path+".failure_statuses", "the sign-in page decides failures itself; remove failure_statuses")
	}
	o := *d.buildBruteForce(b, path)
	o.UsernameField, o.FailureStatuses = "", nil
	return o
}

// checkOAuthRoutes refuses `auth: [oauth]` without the oauth section, and
// checks each route's data_categories: they need the section, a route that
// accepts its tokens, and a category some oauth scope names (so the consent
// screen told the user about it). The routes' categories go to the server,
// which shows per app what it read lately.
func (d *decoder) checkOAuthRoutes(p *Plan) {
	for i, api := range p.APIs {
		for j, r := range api.Routes {
			path := indexPath(indexPath("apis", i)+".routes", j)
			if p.OAuth == nil {
				if slices.Contains(r.Auth, AuthOAuth) {
					d.errorf(path+".auth", "auth method oauth needs the oauth section (the built-in authorization server) to be configured")
					return
				}
				if len(r.DataCategories) > 0 {
					d.errorf(path+".data_categories", "data_categories are shown on the connected-apps page of the oauth section, which is not configured")
					return
				}
				continue
			}
			if len(r.DataCategories) == 0 {
				continue
			}
			if !slices.Contains(r.Auth, AuthOAuth) {
				d.errorf(path+".data_categories", "data_categories need auth: [oauth] on the route: only the authorization server's tokens are traced to an app")
				continue
			}
			var cats []string
			for k, c := range r.DataCategories {
				switch {
				case !oauthScopesName(p.OAuth.Options.Scopes, c):
					d.errorf(indexPath(path+".data_categories", k), "data category %q is not in any oauth.scopes[].data_categories: the consent screen never named it", c)
				case slices.Contains(cats, c):
					d.errorf(indexPath(path+".data_categories", k), "data category %q is listed twice", c)
				default:
					cats = append(cats, c)
				}
			}
			p.OAuth.Options.Reads = append(p.OAuth.Options.Reads, oauthserver.RouteReads{
				API: api.Name, Route: r.Name, Scopes: slices.Clone(r.Scopes), Categories: cats})
		}
	}
}

func oauthScopesName(scopes []oauthserver.Scope, category string) bool {
	return slices.ContainsFunc(scopes, func(s oauthserver.Scope) bool { return slices.Contains(s.Categories, category) })
}
