package audit

import "testing"

type health bool

func (h health) Failing() bool { return bool(h) }

func TestBlocked(t *testing.T) {
	cases := []struct {
		name      string
		onFailure string
		rec       any
		blocked   bool
	}{
		{"open keeps serving a failing sink", "open", health(true), false},
		{"default keeps serving", "", health(true), false},
		{"block with a healthy sink", OnFailureBlock, health(false), false},
		{"block with a failing sink", OnFailureBlock, health(true), true},
		{"a recorder that cannot tell", OnFailureBlock, struct{}{}, false},
		{"no recorder", OnFailureBlock, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Blocked(c.onFailure, c.rec)
			if (p != nil) != c.blocked {
				t.Fatalf("problem %v, want one: %v", p, c.blocked)
			}
			if p != nil && (p.Status != 503 || p.Code != "audit_unavailable") {
				t.Fatalf("problem %d %s, want 503 audit_unavailable", p.Status, p.Code)
			}
		})
	}
}
