package enumeration

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestNewConfig(t *testing.T) {
	ok := Config{Window: time.Minute, MaxDistinct: 30}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr bool
	}{
		{name: "minimal", mutate: func(*Config) {}},
		{name: "all rules", mutate: func(c *Config) {
			c.MinRequests, c.MaxDeniedShare, c.Sequential, c.BlockFor = 10, 0.5, 10, time.Minute
		}},
		{name: "only denied share", mutate: func(c *Config) { c.MaxDistinct, c.MinRequests, c.MaxDeniedShare = 0, 1, 1 }},
		{name: "only sequential", mutate: func(c *Config) { c.MaxDistinct, c.Sequential = 0, 2 }},
		{name: "zero window", mutate: func(c *Config) { c.Window = 0 }, wantErr: true},
		{name: "negative window", mutate: func(c *Config) { c.Window = -time.Second }, wantErr: true},
		{name: "no rule", mutate: func(c *Config) { c.MaxDistinct = 0 }, wantErr: true},
		{name: "negative distinct", mutate: func(c *Config) { c.MaxDistinct = -1 }, wantErr: true},
		{name: "share above one", mutate: func(c *Config) { c.MaxDeniedShare, c.MinRequests = 1.5, 1 }, wantErr: true},
		{name: "share NaN", mutate: func(c *Config) { c.MaxDeniedShare, c.MinRequests = math.NaN(), 1 }, wantErr: true},
		{name: "share without min requests", mutate: func(c *Config) { c.MaxDeniedShare = 0.5 }, wantErr: true},
		{name: "sequential one", mutate: func(c *Config) { c.Sequential = 1 }, wantErr: true},
		{name: "negative block", mutate: func(c *Config) { c.BlockFor = -1 }, wantErr: true},
		{name: "negative max tracked", mutate: func(c *Config) { c.MaxTracked = -1 }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mutate(&cfg)
			d, err := New(cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && (d.cfg.MaxTracked <= 0 || d.cfg.Now == nil) {
				t.Errorf("defaults not applied: %+v", d.cfg)
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New(Config{Window: -1, MaxDistinct: -1, Sequential: 1})
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	for _, want := range []string{"window", "max distinct", "sequential"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
