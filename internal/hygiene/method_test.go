package hygiene

import (
	"net/http"
	"testing"
)

func TestCheckMethodCase(t *testing.T) {
	tests := []struct {
		method string
		ok     bool
	}{
		{"GET", true},
		{"DELETE", true},
		{"PROPFIND", true},
		{"M-SEARCH", true},
		{"X_CUSTOM2", true},
		{"get", false},
		{"Get", false},
		{"gET", false},
		{"delete", false},
		{"PATCh", false},
		{"propfind", false},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			p := CheckMethodCase(tt.method)
			if tt.ok {
				if p != nil {
					t.Fatalf("refused: %+v", p)
				}
				return
			}
			if p == nil || p.Status != http.StatusBadRequest || p.Code != "method_invalid" {
				t.Fatalf("problem = %+v", p)
			}
		})
	}
}
