package inspect

import (
	"net/url"
	"testing"
)

// A value that reads as prose needs a complete injection; the same
// payload alone, or complete inside prose, is still refused.
func TestProseNeedsCompleteInjection(t *testing.T) {
	in, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v       string
		refused bool
	}{
		{"I typed ' or 1=1 into the search box and got a 500 error page, thought you should know.", false},
		{"' or 1=1 -- ", true},
		{"I typed this into the search box and it worked' or 1=1 -- ", true},
		{"When I upload a file called ../README.md the preview shows nothing, is that expected?", false},
		{"../README.md", true},
		{"my avatar is at ../../../../etc/passwd", true},
		{"The logs are in /var/log/nginx/access.log on the staging box, I checked them this morning.", false},
		{"/var/log/nginx/access.log", true},
		{"The Mongo docs say db.orders.find({ total: { $gte: 100 } }) uses the index on total", false},
		{`{"total": {"$gte": 100}}`, true},
		{"When I call exec('whoami') from PHP I get www-data, so the web server user is fine.", false},
		{"exec('whoami')", true},
		{"thanks for your help, see you next week || sleep 10", true},
	} {
		req := Request{RawQuery: "q=" + url.QueryEscape(tc.v)}
		_, found, err := in.Inspect(&req)
		if err != nil {
			t.Fatal(err)
		}
		if found != tc.refused {
			t.Errorf("%q: refused = %v, want %v", tc.v, found, tc.refused)
		}
	}
}
