package sensitive

import "testing"

func TestDetectSSN(t *testing.T) {
	runDetect(t, SSN, []detectCase{
		{"specimen", "078-05-1120", true},
		{"ordinary", "123-45-6789", true},
		{"padded", " 219-09-9999 ", true},
		{"area 000", "000-12-3456", false},
		{"area 666", "666-12-3456", false},
		{"area 900", "900-12-3456", false},
		{"area 999", "999-12-3456", false},
		{"group 00", "123-00-4567", false},
		{"serial 0000", "123-45-0000", false},
		{"no dashes", "123456789", false},
		{"date", "2024-11-28", false},
		{"spaces", "123 45 6789", false},
		{"masked", "***-**-1120", false},
		{"phone like", "123-456-7890", false},
	})
}
