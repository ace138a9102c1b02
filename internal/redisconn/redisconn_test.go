package redisconn

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		url, kind, err string
	}{
		{"redis://127.0.0.1:6379/0", "single", ""},
		{"rediss://u:pw@redis.internal:6380/2", "single", ""},
		{"redis+sentinel://s1:26379/0?master_name=mymaster&addr=s2:26379", "sentinel", ""},
		{"rediss+sentinel://u:pw@s1:26379/0?master_name=mymaster", "sentinel", ""},
		{"redis+sentinel://s1:26379/0", "", "master_name"},
		{"redis+cluster://n1:6379?addr=n2:6379&addr=n3:6379", "cluster", ""},
		{"rediss+cluster://u:pw@n1:6379", "cluster", ""},
		{"redis+cluster://n1:6379?bogus_option=1", "", "bogus_option"},
		{"redis+sentinel://u:hunter2@s1:26379/0?master_name=m&bogus=1", "", "bogus"},
		{"http://127.0.0.1:6379", "", "scheme"},
		{"redis+shard://127.0.0.1:6379", "", "scheme"},
		{"127.0.0.1:6379", "", ""}, // any error: not a URL or no host
		{"redis://", "", "no host"},
	}
	for _, c := range cases {
		o, err := Parse(c.url)
		switch {
		case c.kind != "":
			if err != nil || o.Kind() != c.kind {
				t.Errorf("Parse(%q) = %v, %v; want %s", c.url, o.Kind(), err, c.kind)
				continue
			}
			cl := o.Client()
			if err := cl.Close(); err != nil {
				t.Errorf("Close %s: %v", c.url, err)
			}
		case err == nil:
			t.Errorf("Parse(%q) accepted it as %s", c.url, o.Kind())
		case !strings.Contains(err.Error(), c.err):
			t.Errorf("Parse(%q) error %q, want it to mention %q", c.url, err, c.err)
		case strings.Contains(err.Error(), "hunter2"):
			t.Errorf("Parse(%q) error echoes the password: %q", c.url, err)
		}
	}
}

func TestClientsFailFast(t *testing.T) {
	for _, raw := range []string{"redis://h:6379/0", "redis+sentinel://h:26379/0?master_name=m", "redis+cluster://h:6379"} {
		o, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		var retries int
		switch {
		case o.single != nil:
			retries = o.single.MaxRetries
		case o.sentinel != nil:
			retries = o.sentinel.MaxRetries
		default:
			retries = o.cluster.MaxRetries
		}
		if retries != -1 { // go-redis: -1 disables retries, 0 means its default of 3
			t.Errorf("%s: MaxRetries %d, want -1 (none)", o.Kind(), retries)
		}
	}
}
