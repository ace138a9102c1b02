// Package decode turns an attacker-controlled value into the form the
// injection detectors inspect. The inspector (internal/inspect) decodes every
// value it extracts exactly once, here, and hands the result to every detector,
// so no detector decodes again and no two detectors disagree about what a value
// says.
//
// Attackers hide payloads behind encodings a backend or framework undoes later:
// double percent-encoding (%252e%252e%252f), IIS %uXXXX escapes, overlong
// UTF-8 forms of ASCII (%c0%ae), fullwidth forms (．．／) that some stacks fold
// to ASCII. Value undoes all of them, repeatedly, until the value is stable
// (bounded rounds), and leaves malformed escapes as they are: a detector must
// still see them.
package decode
