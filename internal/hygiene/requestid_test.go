package hygiene

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestIDsUniqueAndValid(t *testing.T) {
	a, err := NewIDs()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewIDs()
	if err != nil {
		t.Fatal(err)
	}
	if a.prefix == b.prefix {
		t.Fatal("two generators share a prefix")
	}
	const workers, each = 4, 500
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				ids <- a.Next()
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := make(map[string]bool, workers*each)
	for id := range ids {
		if seen[id] || !validRequestID(id) || !strings.HasPrefix(id, string(a.prefix[:])+"-") {
			t.Fatalf("bad or duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestRequestID(t *testing.T) {
	g, err := NewIDs()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		values  []string
		trusted bool
		keep    bool
	}{
		{"trusted valid", []string{"abc-123.x:y_z"}, true, true},
		{"untrusted valid", []string{"abc-123"}, false, false},
		{"trusted missing", nil, true, false},
		{"trusted empty", []string{""}, true, false},
		{"trusted too long", []string{strings.Repeat("a", 129)}, true, false},
		{"trusted max length", []string{strings.Repeat("a", 128)}, true, true},
		{"trusted bad char", []string{"abc def"}, true, false},
		{"trusted injection", []string{"a\r\nX-Evil: 1"}, true, false},
		{"trusted two values", []string{"a", "b"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.values != nil {
				h["X-Request-Id"] = tt.values
			}
			got := RequestID(g, h, tt.trusted)
			if kept := len(tt.values) > 0 && got == tt.values[0]; kept != tt.keep {
				t.Fatalf("RequestID = %q, keep %v", got, tt.keep)
			}
			if !validRequestID(got) {
				t.Fatalf("invalid id %q", got)
			}
		})
	}
}
