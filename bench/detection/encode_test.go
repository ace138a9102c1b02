package main

import (
	"bytes"
	"testing"
)

func TestEscapeTarget(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain kept", "/search?q=1%27+or+1%3D1--", "/search?q=1%27+or+1%3D1--"},
		{"invalid escape kept", "%(SELECT 28)", "%(SELECT%2028)"},
		{"space and tab", "a b\tc", "a%20b%09c"},
		{"CR LF NUL DEL", "a\r\n\x00\x7f", "a%0D%0A%00%7F"},
		{"fragment marker", "x#y", "x%23y"},
		{"non-ASCII bytes", "é\xff", "%C3%A9%FF"},
		{"quotes and brackets kept", `'"[]{}<>|\^`, `'"[]{}<>|\^`},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := escapeTarget(tc.in); got != tc.want {
				t.Errorf("escapeTarget(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLenientUnescape(t *testing.T) {
	tests := []struct {
		name, in string
		plus     bool
		want     string
	}{
		{"escapes", "1%27%20OR%201%3D1", true, "1' OR 1=1"},
		{"plus is space in a query", "a+b", true, "a b"},
		{"plus kept elsewhere", "a+b", false, "a+b"},
		{"lower-case hex", "%2f%2E", true, "/."},
		{"invalid escape kept", "%(SELECT%2028)", true, "%(SELECT 28)"},
		{"%u form kept", "%u0027", true, "%u0027"},
		{"truncated escape kept", "abc%2", true, "abc%2"},
		{"one round only", "%2527", true, "%27"},
		{"raw bytes", "%ff", true, "\xff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lenientUnescape(tc.in, tc.plus); got != tc.want {
				t.Errorf("lenientUnescape(%q, %v) = %q, want %q", tc.in, tc.plus, got, tc.want)
			}
		})
	}
}

func TestPairsJSON(t *testing.T) {
	tests := []struct{ name, qs, want string }{
		{"one pair", "p=1%27+or+1%3D1", `{"p":"1' or 1=1"}`},
		{"order kept, repeated key array", "b=2&a=1&b=3", `{"b":["2","3"],"a":"1"}`},
		{"key without value", "flag&x=", `{"flag":"","x":""}`},
		{"empty parts skipped", "&&a=1&", `{"a":"1"}`},
		{"first = splits", "f=a=b", `{"f":"a=b"}`},
		{"bracket keys decoded", "u%5B%24ne%5D=1", `{"u[$ne]":"1"}`},
		{"no HTML escaping", "x=%3Cb%3E%26", `{"x":"<b>&"}`},
		{"empty", "", `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(pairsJSON(queryPairs(tc.qs))); got != tc.want {
				t.Errorf("pairsJSON(%q) = %s, want %s", tc.qs, got, tc.want)
			}
		})
	}
}

func TestJSONString(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"quotes and controls", "a\"\\\n\x01", `"a\"\\\n\u0001"`},
		{"invalid UTF-8 replaced", "a\xffb", `"a\ufffdb"`},
		{"HTML kept", "<script>", `"<script>"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := jsonString(tc.in); !bytes.Equal(got, []byte(tc.want)) {
				t.Errorf("jsonString(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
