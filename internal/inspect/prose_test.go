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
		// the query's own closing quote ends a string holding the prose
		{"I typed this into the search box' OR 1=1 OR 'hello world how are you doing", true},
		{"When I upload a file called ../README.md the preview shows nothing, is that expected?", false},
		{"../README.md", true},
		{"my avatar is at ../../../../etc/passwd", true},
		{"The logs are in /var/log/nginx/access.log on the staging box, I checked them this morning.", false},
		{"/var/log/nginx/access.log", true},
		{"The Mongo docs say db.orders.find({ total: { $gte: 100 } }) uses the index on total", false},
		{`{"total": {"$gte": 100}}`, true},
		{"When I call exec('whoami') from PHP I get www-data, so the web server user is fine.", false},
		{"exec('whoami')", true},
		// a call in prose does not hide a command line next to it
		{"the zip file name is files.zip && /usr/b''in/perl -e 'system(\"id\")'", true},
		{"thanks for your help, see you next week || sleep 10", true},
		// a code span is one token of the prose test; what it holds is
		// still judged
		{"Does `find /var/log -type f -mtime +30 -delete` need sudo in the cron job?", false},
		{"Is `if [ -f ../.env ]; then source ../.env; fi` a bad idea in a Makefile?", false},
		{"my avatar file is at `../../../../etc/passwd` in the upload folder, thanks", true},
		{"Use `tail -f /var/log/app/app.log | grep ERROR` to follow errors live.", true},
		// a WHERE of constants that nothing continues reads nothing
		{"Our ORM always emits WHERE 1=1 AND ...", false},
		{"Great service, thanks!' WHERE 1=1 -- ", true},
		{"Great service, thanks!' WHERE 1=1 OR 'a'='a", true},
		{"Great service, thanks!' WHERE password > 'm", true},
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

// The contract's word beats the value's shape: a declared prose field needs
// a complete injection even when its value is short, a strict field's
// findings stand even in prose.
func TestTextFieldsFromTheContract(t *testing.T) {
	in, err := New(Config{TextFields: []TextField{
		{Field: "body.comment", Text: TextProse},
		{Field: "query.sku", Text: TextStrict},
		{Field: "body.items.*.note", Text: TextProse},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req     Request
		refused bool
	}{
		{Request{ContentType: "application/json", Body: []byte(`{"comment":"see ../README.md first"}`)}, false},
		{Request{ContentType: "application/json", Body: []byte(`{"title":"see ../README.md first"}`)}, true},
		{Request{ContentType: "application/json", Body: []byte(`{"items":[{"note":"sleep(5) is far too slow for our users"}]}`)}, false},
		{Request{ContentType: "application/json", Body: []byte(`{"comment":"../../../../etc/passwd"}`)}, true},
		{Request{RawQuery: "sku=" + url.QueryEscape("When I upload a file called ../README.md the preview shows nothing")}, true},
		{Request{RawQuery: "q=" + url.QueryEscape("When I upload a file called ../README.md the preview shows nothing")}, false},
	} {
		_, found, err := in.Inspect(&tc.req)
		if err != nil {
			t.Fatal(err)
		}
		if found != tc.refused {
			t.Errorf("%s %s: refused = %v, want %v", tc.req.RawQuery, tc.req.Body, found, tc.refused)
		}
	}
	if _, err := New(Config{TextFields: []TextField{{Field: "nowhere.x", Text: TextProse}}}); err == nil {
		t.Error("an unknown location was accepted")
	}
}
