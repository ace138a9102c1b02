// Package sensitive answers excessive data exposure (OWASP API3:2023): an
// upstream that answers with more than the client should see — card numbers,
// IBANs, personal contact data, US social security numbers, secrets and
// password hashes. It runs on the response path, after the upstream answered
// and before the body is written to the client, on JSON bodies only.
//
// Scan reads the document once with internal/jsonread, the JSON reader every
// guard shares (ScanIndex takes an index already read), and runs the
// detectors on every string value, decoded (and, for cards, on digit-only
// numbers). A Policy says per Kind what happens on a match:
//
//   - Off: the detector does not run.
//   - Monitor: a Finding (kind and JSON path, never the value) is reported.
//   - Redact: reported, and the value is replaced in the returned document.
//   - Block: reported, replaced like Redact (so a caller that forgets to check
//     still leaks nothing), and Scan returns block=true.
//
// A kind missing from the Policy is Off. When nothing is replaced Scan returns
// the input slice itself: the clean path neither copies nor allocates.
//
// # Detectors
//
// Structured kinds match a whole string value (surrounding whitespace
// trimmed), which keeps look-alikes in free text out; secrets match anywhere in
// a value, because they travel embedded ("Bearer eyJ…", PEM blocks, "key=…").
//
//   - card: 13–19 digits, bare or in 4-groups (Amex 4-6-5, Diners 4-6-4) split by
//     one kind of single space or dash, Luhn-valid, with a known IIN range and a
//     length that range issues. Timestamps, ISBNs and order numbers fail one of these.
//   - iban: upper-case country code, two check digits and a BBAN of that
//     country's registered length (about 80 countries), optionally in groups
//     split by single spaces, ISO 7064 mod-97 = 1.
//   - email: conservative local@domain (local part [A-Za-z0-9._%+-], at least one
//     dot, alphabetic TLD). "user@localhost", "git@host:repo" and image names
//     like "icon@2x.png" are not emails.
//   - phone: E.164 ("+14155550100") or formatted forms that start with "+" or "(".
//     Plain digit strings, dates and versions are never phones.
//   - ssn: AAA-GG-SSSS with area 000, 666 and 900–999, group 00 and serial 0000
//     excluded ("078-05-1120", the famous specimen, counts).
//   - private_key: a PEM header "-----BEGIN … PRIVATE KEY-----".
//   - cloud_key: AWS access key ids (AKIA/ASIA + 16 base32 characters) and
//     Google API keys (AIza + 35).
//   - jwt: three base64url parts whose header decodes to a JSON object with "alg".
//   - api_key: GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Slack
//     (xoxb-, xoxa-, xoxp-, xoxr-, xoxs-), Stripe live keys (sk_live_, rk_live_)
//     and Bulwark keys (bwk_ + 12 + _ + 49 alphanumerics).
//   - password_hash: bcrypt, argon2, scrypt ($scrypt$, $7$), PBKDF2 (Django
//     pbkdf2_sha*, passlib $pbkdf2-*$) and SHA-crypt ($5$, $6$).
//
// Every string is pre-filtered by length and character counts before any
// detector runs, and no detector uses regular expressions, so a clean 10 KiB
// document costs tens of microseconds, reading included, and no allocation
// (BenchmarkScanClean10KiB).
//
// # Redaction
//
// Masks keep only what support staff need to tell values apart, and never
// re-match a detector:
//
//   - card "4111 1111 1111 1111" → "**** **** **** 1111" (separators kept; a
//     JSON number becomes the string "************1111")
//   - iban "DE89 3704 0044 0532 0130 00" → "DE** **** **** **** **30 00"
//   - phone "+1 (415) 555-0100" → "+* (***) ***-0100"
//   - ssn "078-05-1120" → "***-**-1120"
//   - everything else → "[REDACTED:kind]". Emails keep nothing: the domain alone
//     can name a person (a personal domain) or an employer.
//
// A value matched by two redacted kinds is replaced by "[REDACTED:kind]" of
// the first. Object keys are never rewritten (that would change the API's
// shape); a key that itself looks sensitive appears in a Finding's path as
// "[REDACTED]" so audit records never carry it.
//
// # Paths
//
// Finding.Path is "users[3].card_number": member names joined by dots, array
// indexes in brackets, names that are not [A-Za-z0-9_-] quoted as ["a b"],
// names longer than 64 bytes cut. The document itself is "".
//
// # Limits
//
// Scan accepts exactly what encoding/json accepts (nesting up to 10000 levels)
// and returns an error wrapping ErrInvalidJSON otherwise: a body the gateway
// cannot inspect is the caller's to refuse (fail closed). At most MaxFindings
// findings are recorded per document; redaction and blocking continue past it.
package sensitive
