package introspect

import (
	"strings"
	"testing"
	"time"
)

func TestNewValidation(t *testing.T) {
	valid := Config{URL: "https://as.example/introspect", ClientID: "gw", ClientSecret: "hunter2-secret"}
	tests := []struct {
		name string
		edit func(*Config)
		want []string // substrings of the error; none for a valid config
	}{
		{"valid", func(*Config) {}, nil},
		{"http localhost", func(c *Config) { c.URL = "http://localhost:8080/i" }, nil},
		{"http loopback v4", func(c *Config) { c.URL = "http://127.0.0.2/i" }, nil},
		{"http loopback v6", func(c *Config) { c.URL = "http://[::1]:9/i" }, nil},
		{"post", func(c *Config) { c.AuthMethod = AuthMethodPost }, nil},
		{"http remote", func(c *Config) { c.URL = "http://as.example/i" }, []string{"https is required"}},
		{"http loopback lookalike", func(c *Config) { c.URL = "http://localhost.evil.example/i" }, []string{"https is required"}},
		{"no url", func(c *Config) { c.URL = "" }, []string{"url is required"}},
		{"relative url", func(c *Config) { c.URL = "/introspect" }, []string{"no host"}},
		{"ftp", func(c *Config) { c.URL = "ftp://as.example/i" }, []string{"scheme must be https"}},
		{"user info", func(c *Config) { c.URL = "https://u:hunter2-secret@as.example/i" }, []string{"user info"}},
		{"unparsable", func(c *Config) { c.URL = "https://u:hunter2-secret@as example/%zz" }, []string{"url is invalid"}},
		{"fragment", func(c *Config) { c.URL = "https://as.example/i#x" }, []string{"fragment"}},
		{"auth method", func(c *Config) { c.AuthMethod = "private_key_jwt" }, []string{"auth method"}},
		{"negatives", func(c *Config) { c.Timeout, c.CacheTTL, c.CacheSize = -1, -time.Second, -1 },
			[]string{"timeout", "cache ttl", "cache size"}},
		{"all missing", func(c *Config) { *c = Config{Audiences: []string{""}, RoleClaims: []string{""}} },
			[]string{"url is required", "client id", "client secret", "audiences[0]", "role claims[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			a, err := New(cfg, nil)
			if len(tt.want) == 0 {
				if err != nil || a == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepted the config")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if cfg.ClientSecret != "" && strings.Contains(err.Error(), cfg.ClientSecret) {
				t.Errorf("error %q reveals the secret", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	cfg := Config{}.withDefaults()
	if cfg.AuthMethod != AuthMethodBasic || cfg.Timeout != 2*time.Second || cfg.CacheTTL != time.Minute ||
		cfg.CacheSize != 10000 || cfg.SubjectClaim != "sub" || cfg.ConsumerClaim != "client_id" || cfg.Now == nil {
		t.Errorf("defaults = %+v", cfg)
	}
}
