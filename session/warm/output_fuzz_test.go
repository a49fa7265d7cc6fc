package warm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kagi-cli/kagi/session/warm"
)

// processDoc is the credential_process document as the AWS CLI reads it; pointers tell absent from empty.
type processDoc struct {
	Version         *int
	AccessKeyId     *string
	SecretAccessKey *string
	SessionToken    *string
	Expiration      *string
}

// The expiries ProcessOutput is defined for: years 1 to 9999 (DecodeEntry refuses the rest).
var (
	firstExpiry = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	lastExpiry  = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// FuzzProcessOutput: for any credential strings and expiry (in any time zone), the output is exactly one
// line of valid UTF-8 JSON with exactly the document's fields, and decodes back to the same values, Version 1
// and the expiry as RFC 3339 in UTC to the second. Bytes that are not UTF-8 cannot be carried by JSON; they
// decode as encoding/json would have written them (U+FFFD), never as broken output.
func FuzzProcessOutput(f *testing.F) {
	f.Add("ASIAEXAMPLE000000000", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=", "IQoJb3JpZ2luX2VjEJr//////////", int64(1900000000), int64(0), int16(0))
	f.Add(`a"b\c`, "\x00\x01\x1f\x7f\n\r\t", "</script>&\u2028\u2029", int64(-62135596800), int64(999999999), int16(-720))
	f.Add("\xff\xfe\xc3", "é管理者🔑", "", int64(253402300799), int64(1), int16(840))
	f.Add("", "", "", int64(0), int64(0), int16(60))
	f.Fuzz(func(t *testing.T, id, secret, token string, secs, nanos int64, offsetMinutes int16) {
		expires := fitExpiry(secs, nanos, offsetMinutes)
		e := warm.Entry{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expires: expires, Stamp: "s", Fingerprint: "f"}
		out := warm.ProcessOutput(e)

		if !bytes.HasSuffix(out, []byte("}\n")) || bytes.Count(out, []byte("\n")) != 1 || bytes.ContainsRune(out, '\r') {
			t.Fatalf("not exactly one line: %q", out)
		}
		if !utf8.Valid(out) {
			t.Fatalf("not UTF-8: %q", out)
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.DisallowUnknownFields()
		var doc processDoc
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("not the credential_process document: %v: %q", err, out)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			t.Fatalf("more than one JSON value: %q", out)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(out, &keys); err != nil {
			t.Fatal(err)
		}
		wantKeys := 3 // Version, AccessKeyId, SecretAccessKey
		if token != "" {
			wantKeys++
		}
		if !expires.IsZero() {
			wantKeys++
		}
		if len(keys) != wantKeys {
			t.Errorf("%d fields, want %d (a field repeated or an empty one written): %q", len(keys), wantKeys, out)
		}

		if doc.Version == nil || *doc.Version != 1 {
			t.Errorf("Version %v, want 1", doc.Version)
		}
		checkString(t, "AccessKeyId", doc.AccessKeyId, id)
		checkString(t, "SecretAccessKey", doc.SecretAccessKey, secret)
		if token == "" {
			if doc.SessionToken != nil {
				t.Errorf("SessionToken %q written for an empty token", *doc.SessionToken)
			}
		} else {
			checkString(t, "SessionToken", doc.SessionToken, token)
		}
		if expires.IsZero() {
			if doc.Expiration != nil {
				t.Errorf("Expiration %q written for no expiry", *doc.Expiration)
			}
			return
		}
		if doc.Expiration == nil {
			t.Fatalf("no Expiration for %v", expires)
		}
		got, err := time.Parse(time.RFC3339, *doc.Expiration)
		if err != nil || !strings.HasSuffix(*doc.Expiration, "Z") || strings.Contains(*doc.Expiration, ".") {
			t.Fatalf("Expiration %q is not RFC 3339 UTC to the second: %v", *doc.Expiration, err)
		}
		if want := expires.Truncate(time.Second); !got.Equal(want) {
			t.Errorf("Expiration %s, want %s", got, want.UTC())
		}
	})
}

// fitExpiry maps fuzzed numbers onto an instant in years 1 to 9999, in a zone up to ±14 h from UTC.
func fitExpiry(secs, nanos int64, offsetMinutes int16) time.Time {
	span := lastExpiry - firstExpiry + 1
	secs = firstExpiry + ((secs%span)+span)%span
	nanos = ((nanos % 1e9) + 1e9) % 1e9
	zone := time.FixedZone("fuzz", int(offsetMinutes)%(14*60+1)*60)
	return time.Unix(secs, nanos).In(zone) // 0001-01-01T00:00:00Z is the zero time: "no expiry"
}

// checkString: a field decodes to the value given, or, for bytes that are not UTF-8, to what encoding/json
// makes of them.
func checkString(t *testing.T, field string, got *string, in string) {
	t.Helper()
	want := in
	if !utf8.ValidString(in) {
		ref, _ := json.Marshal(in)
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
	}
	if got == nil || *got != want {
		t.Errorf("%s decodes to %s, want %q", field, quoteOrAbsent(got), want)
	}
}

func quoteOrAbsent(s *string) string {
	if s == nil {
		return "nothing"
	}
	b, _ := json.Marshal(*s)
	return string(b)
}
