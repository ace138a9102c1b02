package sensitive

import "testing"

func TestDetectIBAN(t *testing.T) {
	runDetect(t, IBAN, []detectCase{
		{"de compact", "DE89370400440532013000", true},
		{"de print", "DE89 3704 0044 0532 0130 00", true},
		{"gb", "GB82WEST12345698765432", true},
		{"fr with letter", "FR1420041010050500013M02606", true},
		{"nl", "NL91ABNA0417164300", true},
		{"be", "BE68539007547034", true},
		{"ch", "CH9300762011623852957", true},
		{"no shortest", "NO9386011117947", true},
		{"es", "ES9121000418450200051332", true},
		{"it", "IT60X0542811101000000123456", true},
		{"pl", "PL61109010140000071219812874", true},
		{"bad check digits", "DE88370400440532013000", false},
		{"wrong length for country", "DE8937040044053201300", false},
		{"unknown country", "ZZ89370400440532013000", false},
		{"lower case", "de89370400440532013000", false},
		{"double space", "DE89  3704 0044 0532 0130 00", false},
		{"masked", "DE** **** **** **** **30 00", false},
		{"upper-case id", "ORDER1234567890ABC", false},
		{"sku", "AB12CDEF345678901", false},
	})
}
