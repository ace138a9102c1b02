package route

import "testing"

func BenchmarkCanonicalize(b *testing.B) {
	cases := []struct{ name, path string }{
		{"clean", "/api/v1/users/12345/orders/678"},
		{"dirty", "/api//v1/./users/%31%32345/../12345/orders/%36%37%38/"},
		{"matrix param", "/api/v1/users;v=2/12345/orders/678"},
		{"unicode", "/api/v1/caf%C3%A9/%E6%97%A5%E6%9C%AC/orders"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Canonicalize(c.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEscapePath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = EscapePath("/api/v1/users/12345/orders/678")
	}
}

func BenchmarkMatch(b *testing.B) {
	tbl := mustTable(b, benchSpecs(200))
	cases := []struct{ name, host, method, path string }{
		{"static", "api.example.com", "GET", "/svc37/static/list"},
		{"params", "api.example.com", "GET", "/svc37/items/12345/sub/abc"},
		{"glob", "api.example.com", "GET", "/svc37/files/a/b/c"},
		{"host", "h37.example.com", "POST", "/svc37/static/list"},
		{"405", "api.example.com", "DELETE", "/svc37/items/1"},
		{"404", "api.example.com", "GET", "/nothing/here/at/all"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var m Match
			for b.Loop() {
				tbl.Match(c.host, c.method, c.path, &m)
			}
		})
	}
}
