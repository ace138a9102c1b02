package sensitive

import "testing"

func TestDetectCard(t *testing.T) {
	runDetect(t, Card, []detectCase{
		{"visa 16", "4111111111111111", true},
		{"visa spaced", "4111 1111 1111 1111", true},
		{"visa dashed", "4111-1111-1111-1111", true},
		{"visa 13", "4222222222222", true},
		{"visa padded", "  4111111111111111 ", true},
		{"mastercard 5x", "5555555555554444", true},
		{"mastercard 2x", "2223003122003222", true},
		{"amex", "378282246310005", true},
		{"amex 4-6-5", "3782 822463 10005", true},
		{"discover", "6011111111111117", true},
		{"discover 19", "6011000990139424", true},
		{"jcb", "3530111333300000", true},
		{"diners 14", "30569309025904", true},
		{"diners 4-6-4", "3056 930902 5904", true},
		{"unionpay", "6200000000000005", true},
		{"luhn fails", "4111111111111112", false},
		{"order number fails luhn", "4000123412341235", false},
		{"timestamp us", "1732800000000000", false},
		{"timestamp ns", "1732800000000000000", false},
		{"unknown iin luhn ok", "9999999999999995", false},
		{"visa bad length 15", "411111111111116", false},
		{"amex bad length 16", "3782822463100056", false},
		{"version string", "4.1.1.1", false},
		{"phone", "+1 415 555 0100", false},
		{"uuid", "4111a111-1111-1111-1111-111111111111", false},
		{"isbn13", "9780306406157", false},
		{"isbn13 dashed", "978-0-306-40615-7", false},
		{"mixed separators", "4111 1111-1111 1111", false},
		{"double space", "4111  1111 1111 1111", false},
		{"odd grouping", "41111 11111 111111", false},
		{"too long", "41111111111111111111", false},
		{"embedded in text", "card 4111111111111111 ok", false},
	})
}

func TestLuhn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"79927398713", true},
		{"79927398710", false},
		{"0", true},
	} {
		d := make([]byte, len(tc.in))
		for i := range tc.in {
			d[i] = tc.in[i] - '0'
		}
		if got := luhn(d); got != tc.want {
			t.Errorf("luhn(%s) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
