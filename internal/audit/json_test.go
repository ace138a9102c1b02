package audit

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// hostile strings exercise every escaping rule.
var hostileStrings = []string{
	"",
	"plain",
	`quote " backslash \ slash /`,
	"<script>alert(1)</script>&amp;",
	"ctl \x00\x01\x07\b\f\n\r\t\x1f\x7f end",
	"bad utf8 \xff\xfe \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 trunc \xe2\x82",
	"seps \u2028 \u2029 and \u2027 \u202a",
	"unicode héllo 世界 🚀",
	"\xf0\x9f\x9a",
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range hostileStrings {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	base := testEvent(7)
	tests := []struct {
		name string
		e    Event
	}{
		{name: "zero", e: Event{}},
		{name: "typical", e: base},
		{name: "all fields", e: func() Event {
			e := base
			e.Principal, e.Reason, e.Upstream = "user:7", "ratelimit.exceeded", "http://10.0.0.1:8080"
			e.Decision, e.Status = DecisionDeny, 429
			return e
		}()},
		{name: "non-UTC time", e: func() Event {
			e := base
			e.Time = time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.FixedZone("x", -7*3600))
			return e
		}()},
		{name: "tiny latency", e: func() Event { e := base; e.LatencyMS = 1.5e-9; return e }()},
		{name: "huge latency", e: func() Event { e := base; e.LatencyMS = 3e22; return e }()},
		{name: "negative status", e: func() Event { e := base; e.Status = -1; return e }()},
	}
	for i, s := range hostileStrings {
		e := base
		e.RequestID, e.API, e.Route, e.Path, e.Principal, e.Reason, e.Upstream = s, s, s, s, s, s, s
		e.Method, e.ClientIP, e.Decision = s, s, s
		tests = append(tests, struct {
			name string
			e    Event
		}{name: "hostile " + string(rune('a'+i)), e: e})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkEquivalent(t, &tc.e)
		})
	}
}

// checkEquivalent asserts AppendJSON(e) is valid JSON decoding to what encoding/json's
// encoding of e decodes to, both as an Event and as a generic map.
func checkEquivalent(t *testing.T, e *Event) {
	t.Helper()
	got := AppendJSON(nil, e)
	if !json.Valid(got) {
		t.Fatalf("invalid JSON: %s", got)
	}
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	var gotEv, wantEv Event
	if err := json.Unmarshal(got, &gotEv); err != nil {
		t.Fatalf("decode ours: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &wantEv); err != nil {
		t.Fatal(err)
	}
	if !gotEv.Time.Equal(wantEv.Time) || gotEv.Time.Location() != time.UTC {
		t.Errorf("time = %v, want %v in UTC", gotEv.Time, wantEv.Time)
	}
	gotEv.Time, wantEv.Time = time.Time{}, time.Time{}
	if gotEv != wantEv {
		t.Errorf("event mismatch\n got %+v\nwant %+v", gotEv, wantEv)
	}
	var gotMap, wantMap map[string]any
	if err := json.Unmarshal(got, &gotMap); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &wantMap); err != nil {
		t.Fatal(err)
	}
	delete(gotMap, "time")
	delete(wantMap, "time")
	if !reflect.DeepEqual(gotMap, wantMap) {
		t.Errorf("map mismatch\n got %v\nwant %v", gotMap, wantMap)
	}
}

func TestAppendJSONTimeFormat(t *testing.T) {
	e := Event{Time: time.Date(2025, 6, 1, 12, 0, 0, 5000, time.FixedZone("plus2", 2*3600))}
	got := AppendJSON(nil, &e)
	const want = `{"time":"2025-06-01T10:00:00.000005000Z",`
	if string(got[:len(want)]) != want {
		t.Errorf("got %s, want prefix %s", got, want)
	}
}

func TestAppendJSONNonFiniteLatency(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		e := testEvent(1)
		e.LatencyMS = f
		got := AppendJSON(nil, &e)
		var back Event
		if err := json.Unmarshal(got, &back); err != nil || back.LatencyMS != 0 {
			t.Errorf("latency %v: %s (err %v)", f, got, err)
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	for i, s := range hostileStrings {
		f.Add(s, s, "GET", int64(i)*1e9+int64(i), 200+i, float64(i)*0.37)
	}
	f.Add("", "", "", int64(0), 0, 0.0)
	f.Add("r", "/a\u2028b", "P\xffOST", int64(math.MinInt64), 599, 1e-7)
	f.Fuzz(func(t *testing.T, id, path, method string, nanos int64, status int, latency float64) {
		e := Event{
			Time: time.Unix(0, nanos), RequestID: id, Path: path, Method: method,
			API: path, Principal: id, ClientIP: method, Decision: id,
			Status: status, LatencyMS: latency,
		}
		got := AppendJSON(nil, &e)
		if !json.Valid(got) {
			t.Fatalf("invalid JSON: %q", got)
		}
		if math.IsNaN(latency) || math.IsInf(latency, 0) {
			e.LatencyMS = 0
		}
		checkEquivalent(t, &e)
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	e := testEvent(1)
	e.Principal, e.Reason, e.Upstream = "user:7", "ok", "http://10.0.0.1:8080"
	e.Path = "/orders/42/<items>&x"
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], &e)
	}
	b.SetBytes(int64(len(buf)))
}
