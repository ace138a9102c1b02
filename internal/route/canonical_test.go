package route

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestCanonicalize(t *testing.T) {
	long := "/" + strings.Repeat("a", MaxPathLen-1)
	tests := []struct {
		name, in, want string
		reason         string // "" = accepted
	}{
		{name: "root", in: "/", want: "/"},
		{name: "simple", in: "/users/42", want: "/users/42"},
		{name: "trailing slash kept", in: "/a/", want: "/a/"},
		{name: "case preserved", in: "/Admin/Users", want: "/Admin/Users"},
		{name: "double slash", in: "/a//b", want: "/a/b"},
		{name: "leading double slash", in: "//a", want: "/a"},
		{name: "many slashes", in: "////", want: "/"},
		{name: "trailing double slash", in: "/a//", want: "/a/"},
		{name: "dot", in: "/a/./b", want: "/a/b"},
		{name: "trailing dot", in: "/a/.", want: "/a/"},
		{name: "root dot", in: "/.", want: "/"},
		{name: "dotdot", in: "/a/b/../c", want: "/a/c"},
		{name: "trailing dotdot", in: "/a/b/..", want: "/a/"},
		{name: "dotdot to root", in: "/a/..", want: "/"},
		{name: "dotdot after double slash", in: "/a//../b", want: "/b"},
		{name: "encoded dotdot", in: "/a/%2e%2e/b", want: "/b"},
		{name: "encoded dotdot upper", in: "/a/%2E%2E/b", want: "/b"},
		{name: "mixed encoded dotdot", in: "/a/.%2e/b", want: "/b"},
		{name: "encoded dot", in: "/a/%2e/b", want: "/a/b"},
		{name: "triple dot", in: "/a/.../b", reason: ReasonDotVariant},
		{name: "four dots", in: "/a/..../b", reason: ReasonDotVariant},
		{name: "dotdot param", in: "/admin/..;/x", reason: ReasonDotVariant},
		{name: "dotdot param value", in: "/api/..;a=b/secret", reason: ReasonDotVariant},
		{name: "dot param", in: "/a/.;x/b", reason: ReasonDotVariant},
		{name: "encoded dotdot param", in: "/a/%2e%2e;/b", reason: ReasonDotVariant},
		{name: "dotdot encoded semicolon", in: "/a/..%3B/b", reason: ReasonDotVariant},
		{name: "empty param segment", in: "/a/;x=1/b", reason: ReasonDotVariant},
		{name: "dotdot trailing space", in: "/a/..%20/b", reason: ReasonDotVariant},
		{name: "dot space dot", in: "/a/.%20./b", reason: ReasonDotVariant},
		{name: "fullwidth dotdot", in: "/a/%EF%BC%8E%EF%BC%8E/b", reason: ReasonDotVariant},
		{name: "fullwidth dotdot raw", in: "/a/．．/b", reason: ReasonDotVariant},
		{name: "fullwidth dot", in: "/a/%EF%BC%8E/b", reason: ReasonDotVariant},
		{name: "mixed fullwidth dotdot", in: "/a/.%EF%BC%8E/b", reason: ReasonDotVariant},
		{name: "one dot leader pair", in: "/a/%E2%80%A4%E2%80%A4/b", reason: ReasonDotVariant},
		{name: "two dot leader", in: "/a/%E2%80%A5/b", reason: ReasonDotVariant},
		{name: "ellipsis", in: "/a/%E2%80%A6/b", reason: ReasonDotVariant},
		{name: "small full stop", in: "/a/%EF%B9%92%EF%B9%92/b", reason: ReasonDotVariant},
		{name: "fullwidth dotdot param", in: "/a/%EF%BC%8E%EF%BC%8E;x/b", reason: ReasonDotVariant},
		{name: "fullwidth slash", in: "/a/%EF%BC%8Fadmin", reason: ReasonSlashVariant},
		{name: "fullwidth slash raw", in: "/a／..／admin", reason: ReasonSlashVariant},
		{name: "fullwidth backslash", in: "/a%EF%BC%BCb", reason: ReasonSlashVariant},
		{name: "division slash", in: "/a/..%E2%88%95admin", reason: ReasonSlashVariant},
		{name: "fraction slash", in: "/a%E2%81%84b", reason: ReasonSlashVariant},
		{name: "set minus", in: "/a%E2%88%96b", reason: ReasonSlashVariant},
		{name: "big solidus", in: "/a%E2%A7%B8b", reason: ReasonSlashVariant},
		{name: "dot name with param", in: "/a/.well-known;x/b", want: "/a/.well-known;x/b"},
		{name: "name with param", in: "/a/b;v=1/c", want: "/a/b;v=1/c"},
		{name: "name with dots", in: "/a/v1.2..3", want: "/a/v1.2..3"},
		{name: "ideographic full stop kept", in: "/a/%E3%80%82%E3%80%82", want: "/a/。。"},
		{name: "dot prefix literal", in: "/a/.git", want: "/a/.git"},
		{name: "double encoded dot stays literal", in: "/a/%252e%252e/b", want: "/a/%2e%2e/b"},
		{name: "double encoded slash stays literal", in: "/a%252Fb", want: "/a%2Fb"},
		{name: "percent literal", in: "/100%25", want: "/100%"},
		{name: "space", in: "/a%20b", want: "/a b"},
		{name: "utf8", in: "/caf%C3%A9", want: "/café"},
		{name: "raw utf8", in: "/café", want: "/café"},
		{name: "encoded unreserved", in: "/%41%62c", want: "/Abc"},
		{name: "semicolon", in: "/a;b=c", want: "/a;b=c"},
		{name: "encoded question", in: "/a%3Fb", want: "/a?b"},
		{name: "encoded slash", in: "/a%2Fb", reason: ReasonEncodedSlash},
		{name: "encoded slash lower", in: "/a%2fb", reason: ReasonEncodedSlash},
		{name: "encoded dotdot slash", in: "/a/..%2F..%2Fetc", reason: ReasonEncodedSlash},
		{name: "encoded backslash", in: "/a%5Cb", reason: ReasonEncodedBackslash},
		{name: "encoded backslash lower", in: "/a%5cb", reason: ReasonEncodedBackslash},
		{name: "backslash", in: "/a\\b", reason: ReasonBackslash},
		{name: "backslash dotdot", in: "/a/..\\..\\etc", reason: ReasonBackslash},
		{name: "encoded nul", in: "/a%00b", reason: ReasonNUL},
		{name: "raw nul", in: "/a\x00b", reason: ReasonNUL},
		{name: "encoded newline", in: "/a%0Ab", reason: ReasonControl},
		{name: "raw tab", in: "/a\tb", reason: ReasonControl},
		{name: "encoded del", in: "/a%7F", reason: ReasonControl},
		{name: "encoded C1 control", in: "/a%C2%85", reason: ReasonControl},
		{name: "overlong dot", in: "/%C0%AE%C0%AE/etc", reason: ReasonBadUTF8},
		{name: "overlong slash", in: "/a%C0%AFb", reason: ReasonBadUTF8},
		{name: "lone continuation", in: "/a%80", reason: ReasonBadUTF8},
		{name: "raw invalid utf8", in: "/a\xffb", reason: ReasonBadUTF8},
		{name: "truncated utf8", in: "/a%E2%82", reason: ReasonBadUTF8},
		{name: "surrogate", in: "/%ED%A0%80", reason: ReasonBadUTF8},
		{name: "bad escape hex", in: "/a%zz", reason: ReasonBadEscape},
		{name: "truncated escape", in: "/a%4", reason: ReasonBadEscape},
		{name: "lone percent", in: "/a%", reason: ReasonBadEscape},
		{name: "percent before slash", in: "/a%/b", reason: ReasonBadEscape},
		{name: "above root", in: "/..", reason: ReasonAboveRoot},
		{name: "above root deeper", in: "/a/../..", reason: ReasonAboveRoot},
		{name: "encoded above root", in: "/%2e%2e/etc/passwd", reason: ReasonAboveRoot},
		{name: "empty", in: "", reason: ReasonNotAbsolute},
		{name: "relative", in: "a/b", reason: ReasonNotAbsolute},
		{name: "asterisk", in: "*", reason: ReasonNotAbsolute},
		{name: "max length ok", in: long, want: long},
		{name: "overlong path", in: long + "a", reason: ReasonTooLong},
		// Regression (FuzzCanonicalize): accepted paths must stay under the cap once
		// re-escaped for the upstream, or the round trip fails.
		{name: "escaped form too long", in: "/" + strings.Repeat("!", MaxPathLen/3+1), reason: ReasonTooLong},
		{name: "decoded escaped form too long", in: "/" + strings.Repeat("%21", 2000) + strings.Repeat("!", 2000), reason: ReasonTooLong},
		{name: "escaped form at cap", in: "/" + strings.Repeat("!", (MaxPathLen-1)/3), want: "/" + strings.Repeat("!", (MaxPathLen-1)/3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonicalize(tc.in)
			if tc.reason != "" {
				var pe *PathError
				if !errors.As(err, &pe) || pe.Reason != tc.reason || !errors.Is(err, ErrInvalidPath) {
					t.Fatalf("Canonicalize(%q) = %q, %v; want refusal %q", tc.in, got, err, tc.reason)
				}
				if strings.Contains(err.Error(), tc.in) && tc.in != "" {
					t.Errorf("error %q echoes the input", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Canonicalize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			again, err := Canonicalize(EscapePath(got))
			if err != nil || again != got {
				t.Fatalf("round trip of %q = %q, %v", got, again, err)
			}
		})
	}
}

func TestEscapePath(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"clean", "/users/42/orders", "/users/42/orders"},
		{"root", "/", "/"},
		{"space", "/a b", "/a%20b"},
		{"percent", "/100%", "/100%25"},
		{"percent dot", "/%2e%2e", "/%252e%252e"},
		{"query and fragment", "/a?b#c", "/a%3Fb%23c"},
		{"semicolon comma", "/a;b,c", "/a%3Bb%2Cc"},
		{"kept sub-delims", "/a$&+:=@b", "/a$&+:=@b"},
		{"unreserved", "/a-b_c.d~e", "/a-b_c.d~e"},
		{"utf8", "/café", "/caf%C3%A9"},
		{"trailing slash", "/a/", "/a/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EscapePath(tc.in); got != tc.want {
				t.Fatalf("EscapePath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCanonicalizeCleanDoesNotAllocate(t *testing.T) {
	p := "/api/v1/users/42/orders"
	allocs := testing.AllocsPerRun(100, func() {
		out, err := Canonicalize(p)
		if err != nil || out != p {
			t.Fatal("unexpected result")
		}
		if EscapePath(out) != p {
			t.Fatal("unexpected escape")
		}
	})
	if allocs != 0 {
		t.Fatalf("clean path allocates %v times", allocs)
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{
		"/", "/a/b", "/a//b/", "/a/./b/../c", "/%2e%2e/", "/a/%252e", "/a%2Fb", "/a%5C",
		"/a\\b", "/a%00", "/%C0%AE", "/caf%C3%A9", "//..//", "/a/b/..", "/%", "/%zz",
		"/a%20b;c?d#e", "/.%2e/x", "/a/%2e/", "\x00", "", "/" + strings.Repeat(";", MaxPathLen/3),
		"/admin/..;/x", "/a/..;a=b/s", "/a/;x/b", "/a/.../b", "/a/..%20/b", "/a/%EF%BC%8E%EF%BC%8E/b",
		"/a/%E2%80%A4%E2%80%A4/b", "/a%EF%BC%8Fb", "/a/b;v=1/c", "/a/.well-known;x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := Canonicalize(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("error %v does not wrap ErrInvalidPath", err)
			}
			return
		}
		checkCanonical(t, out)
		again, err := Canonicalize(EscapePath(out))
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, err)
		}
	})
}

func checkCanonical(t *testing.T, out string) {
	t.Helper()
	switch {
	case !strings.HasPrefix(out, "/"):
		t.Fatalf("%q lacks leading slash", out)
	case strings.Contains(out, "//"):
		t.Fatalf("%q has //", out)
	case strings.Contains(out+"/", "/./") || strings.Contains(out+"/", "/../"):
		t.Fatalf("%q has a dot segment", out)
	case strings.ContainsAny(out, "\x00\\"):
		t.Fatalf("%q has NUL or backslash", out)
	case !isValidUTF8NoControl(out):
		t.Fatalf("%q is not valid UTF-8 without controls", out)
	}
	for _, seg := range strings.Split(out[1:], "/") {
		n := norm.NFKC.String(seg)
		if strings.ContainsAny(n, "/\\") || strings.ContainsFunc(n, slashLike) {
			t.Fatalf("%q has a segment %q that normalises to a separator", out, seg)
		}
		base, _, params := strings.Cut(n, ";")
		if (params && base == "") || base != "" && strings.Trim(base, ". ") == "" && strings.Contains(base, ".") {
			t.Fatalf("%q has a segment %q that a backend reads as a dot segment", out, seg)
		}
	}
}

func isValidUTF8NoControl(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
