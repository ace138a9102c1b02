package gateway

import "testing"

func TestParseModeFailsClosed(t *testing.T) {
	for in, want := range map[string]guardMode{"off": modeOff, "monitor": modeMonitor, "block": modeBlock, "": modeBlock, "Off": modeBlock} {
		if got := parseMode(in); got != want {
			t.Errorf("parseMode(%q) = %v, want %v", in, got, want)
		}
	}
}
