package sensitive

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// redactAll redacts every kind.
func redactAll() Policy {
	p := Policy{}
	for _, k := range Kinds() {
		p[k] = Redact
	}
	return p
}

func TestScan(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		policy   Policy
		want     string // "" = doc unchanged (and the same slice)
		findings []Finding
		block    bool
	}{
		{
			name:   "clean document",
			doc:    `{"id":17,"name":"Jane","tags":["a","b"],"ok":true,"n":null,"f":-1.5e3}`,
			policy: redactAll(),
		},
		{
			name:     "card in array of objects",
			doc:      `{"users":[{"id":1},{"id":2},{"id":3},{"id":4,"card_number":"4111 1111 1111 1111"}]}`,
			policy:   redactAll(),
			want:     `{"users":[{"id":1},{"id":2},{"id":3},{"id":4,"card_number":"**** **** **** 1111"}]}`,
			findings: []Finding{{Card, "users[3].card_number"}},
		},
		{
			name:     "card as json number becomes a string",
			doc:      `{"pan": 4111111111111111 }`,
			policy:   Policy{Card: Redact},
			want:     `{"pan": "************1111" }`,
			findings: []Finding{{Card, "pan"}},
		},
		{
			name:   "timestamp number is not a card",
			doc:    `{"ts":1732800000000000,"neg":-4111111111111111,"frac":4111111111111111.0}`,
			policy: redactAll(),
		},
		{
			name:     "monitor reports without changing",
			doc:      `{"contact":{"email":"jane@example.com"}}`,
			policy:   Policy{Email: Monitor},
			findings: []Finding{{Email, "contact.email"}},
		},
		{
			name:   "off does not report",
			doc:    `{"contact":{"email":"jane@example.com"}}`,
			policy: Policy{Email: Off, Card: Block},
		},
		{
			name:     "block reports, redacts and blocks",
			doc:      `{"hash":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}`,
			policy:   Policy{PasswordHash: Block},
			want:     `{"hash":"[REDACTED:password_hash]"}`,
			findings: []Finding{{PasswordHash, "hash"}},
			block:    true,
		},
		{
			name:   "masks per kind",
			doc:    `["DE89 3704 0044 0532 0130 00","+1 (415) 555-0100","078-05-1120","jane@example.com"]`,
			policy: redactAll(),
			want:   `["DE** **** **** **** **30 00","+* (***) ***-0100","***-**-1120","[REDACTED:email]"]`,
			findings: []Finding{
				{IBAN, "[0]"}, {Phone, "[1]"}, {SSN, "[2]"}, {Email, "[3]"},
			},
		},
		{
			name:     "escaped value is decoded before detection",
			doc:      `{"c":"\u0034111111111111111","k":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"}`,
			policy:   redactAll(),
			want:     `{"c":"************1111","k":"[REDACTED:private_key]"}`,
			findings: []Finding{{Card, "c"}, {PrivateKey, "k"}},
		},
		{
			name:     "root scalar",
			doc:      ` "078-05-1120" `,
			policy:   redactAll(),
			want:     ` "***-**-1120" `,
			findings: []Finding{{SSN, ""}},
		},
		{
			name:     "odd key names are quoted, sensitive keys hidden",
			doc:      `{"a b":{"jane@example.com":{"x.y":["078-05-1120"]}}}`,
			policy:   Policy{SSN: Monitor},
			findings: []Finding{{SSN, `["a b"][REDACTED]["x.y"][0]`}},
		},
		{
			name:     "mixed actions on one document",
			doc:      `{"e":"jane@example.com","s":"078-05-1120"}`,
			policy:   Policy{Email: Monitor, SSN: Redact},
			want:     `{"e":"jane@example.com","s":"***-**-1120"}`,
			findings: []Finding{{Email, "e"}, {SSN, "s"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := []byte(tc.doc)
			out, findings, block, err := Scan(doc, tc.policy)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			want := tc.want
			if want == "" {
				want = tc.doc
				if len(doc) > 0 && &out[0] != &doc[0] {
					t.Error("unchanged document was copied")
				}
			}
			if string(out) != want {
				t.Errorf("out = %s\nwant  %s", out, want)
			}
			if !slices.Equal(findings, tc.findings) {
				t.Errorf("findings = %v, want %v", findings, tc.findings)
			}
			if block != tc.block {
				t.Errorf("block = %v, want %v", block, tc.block)
			}
			// ScanKinds agrees: the same document out, the same kinds, no paths.
			kout, kinds, kblock, err := ScanKinds(doc, tc.policy)
			if err != nil || string(kout) != want || kblock != tc.block || !slices.Equal(kinds, kindsOf(tc.findings)) {
				t.Errorf("ScanKinds = %s, %v, %v, %v; want kinds %v", kout, kinds, kblock, err, kindsOf(tc.findings))
			}
		})
	}
}

// kindsOf lists the kinds of fs once each, in the order of the Kind constants.
func kindsOf(fs []Finding) []Kind {
	var out []Kind
	for i := range numKinds {
		if slices.ContainsFunc(fs, func(f Finding) bool { return f.Kind == kindOf(i) }) {
			out = append(out, kindOf(i))
		}
	}
	return out
}

func TestScanKindsBuildsNoPaths(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range 14 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"email":"user%d@example.com"}`, i, i)
	}
	b.WriteString(`]}`)
	doc := []byte(b.String())
	p := Policy{Email: Monitor}
	_, findings, _, _ := Scan(doc, p)
	if len(findings) != 14 {
		t.Fatalf("Scan found %d", len(findings))
	}
	scan := testing.AllocsPerRun(20, func() { _, _, _, _ = Scan(doc, p) })
	kinds := testing.AllocsPerRun(20, func() { _, _, _, _ = ScanKinds(doc, p) })
	// A few for the kinds list and the pooled index (more under -race, where
	// sync.Pool drops items at random), never one per finding as Scan's paths.
	if kinds > 5 || kinds*4 >= scan {
		t.Errorf("ScanKinds allocates %.0f per document, Scan %.0f", kinds, scan)
	}
}

func TestScanSecretsInValues(t *testing.T) {
	doc := fmt.Sprintf(`{"auth":{"header":"Bearer %s","aws":%q,"gh":"token=%s","bwk":%q}}`,
		testJWT(), awsKeyID(), ghToken(), bulwarkKey())
	out, findings, _, err := Scan([]byte(doc), Policy{JWT: Redact, CloudKey: Redact, APIKey: Redact})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"auth":{"header":"[REDACTED:jwt]","aws":"[REDACTED:cloud_key]","gh":"[REDACTED:api_key]","bwk":"[REDACTED:api_key]"}}`
	if string(out) != want {
		t.Errorf("out = %s\nwant  %s", out, want)
	}
	wantF := []Finding{{JWT, "auth.header"}, {CloudKey, "auth.aws"}, {APIKey, "auth.gh"}, {APIKey, "auth.bwk"}}
	if !slices.Equal(findings, wantF) {
		t.Errorf("findings = %v, want %v", findings, wantF)
	}
}

func TestScanTwoRedactedKindsInOneValue(t *testing.T) {
	doc := `{"v":"` + awsKeyID() + " " + ghToken() + `"}`
	out, findings, _, err := Scan([]byte(doc), redactAll())
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"v":"[REDACTED:cloud_key]"}` || len(findings) != 2 {
		t.Errorf("out = %s, findings = %v", out, findings)
	}
}

func TestScanDeepPath(t *testing.T) {
	const depth = 20 // deeper than a reader keeps inline
	doc := strings.Repeat(`{"a\u0020b":[`, depth) + `"078-05-1120"` + strings.Repeat(`]}`, depth)
	out, findings, _, err := Scan([]byte(doc), Policy{SSN: Redact})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat(`["a b"][0]`, depth)
	if len(findings) != 1 || findings[0].Path != want {
		t.Errorf("findings = %v, want path %s", findings, want)
	}
	if !strings.Contains(string(out), `"***-**-1120"`) {
		t.Errorf("out = %s", out)
	}
}

func TestScanInvalid(t *testing.T) {
	for _, doc := range []string{
		``, ` `, `{`, `[1,]`, `{"a"}`, `{"a":1,}`, `{a:1}`, `"abc`, `"a\x"`, `"\u12G4"`,
		"\"a\tb\"", `01`, `1.`, `1e`, `-`, `tru`, `nul`, `[1 2]`, `{} {}`, `[}`, `{"a":1]`,
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	} {
		_, _, _, err := Scan([]byte(doc), redactAll())
		if !errors.Is(err, ErrInvalidJSON) {
			t.Errorf("Scan(%.40q) error = %v, want ErrInvalidJSON", doc, err)
		}
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, _, _, err := Scan([]byte(deep), redactAll()); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		ok   bool
	}{
		{"nil", nil, true},
		{"all kinds", redactAll(), true},
		{"unknown kind", Policy{"cards": Redact}, false},
		{"empty kind", Policy{"": Monitor, Card: Redact}, false},
		{"action too big", Policy{Card: Block + 1}, false},
		{"negative action", Policy{Card: -1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrPolicy)) {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if _, _, _, err := Scan([]byte(`{}`), tc.p); (err == nil) != tc.ok {
				t.Errorf("Scan error = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestScanMaxFindings(t *testing.T) {
	var b strings.Builder
	b.WriteByte('[')
	for i := range MaxFindings + 5 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"078-05-1120"`)
	}
	b.WriteByte(']')
	out, findings, _, err := Scan([]byte(b.String()), Policy{SSN: Redact})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != MaxFindings {
		t.Errorf("findings = %d, want %d", len(findings), MaxFindings)
	}
	if strings.Contains(string(out), "078-05") {
		t.Error("values past MaxFindings were not redacted")
	}
}

func TestDetectOrder(t *testing.T) {
	if got := Detect("hello"); got != nil {
		t.Errorf("Detect(hello) = %v", got)
	}
	s := awsKeyID() + " " + ghToken()
	if got, want := Detect(s), []Kind{CloudKey, APIKey}; !slices.Equal(got, want) {
		t.Errorf("Detect = %v, want %v", got, want)
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{Off: "off", Monitor: "monitor", Redact: "redact", Block: "block", 9: "action(9)"} {
		if got := a.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(a), got, want)
		}
	}
}
