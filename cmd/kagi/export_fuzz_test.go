package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"maps"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

// FuzzExport: for hostile profile names, regions and credentials (quotes, $, backticks, line breaks, NUL,
// unicode, bytes that are not UTF-8), each format's output gives its reader exactly the session's values back,
// or kagi refuses with an error and prints nothing; and it does not refuse what its readers read back.
//   - env: a strict reader of `export NAME='…'` statements yields exactly session.SessionVars; refused
//     exactly when a value holds a NUL byte (no shell variable can). Outside -fuzz (the committed corpus),
//     the real shells evaluate it too: sh -c 'eval "$(cat)"; env -0', and bash and zsh when installed.
//   - json: the credential_process document with the same values; refused exactly for text that is not UTF-8.
//   - ini: kagi's own INI reader (gopkg.in/ini.v1 with kagi's options) and a strict model of the AWS CLI's
//     configparser both read the section back unchanged, or it is refused; refused whenever one of them
//     would not, and never for plain text (iniPlain: every value STS issues). Outside -fuzz, Python's
//     configparser reads it too.
func FuzzExport(f *testing.F) {
	f.Add("admin", "us-east-1", "ASIAEXAMPLE000000000", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY=", "IQoJb3JpZ2luX2VjEJr//////////", int64(1900000000))
	f.Add(`it's "$HOME" $(id) `+"`id`", "eu-west-1\n", `'\''`, "a'b\"c$d`e\\f", "\n\nline\n", int64(1))
	f.Add("管理者 🔑", "", "\xff\xfe", "x\x00y", "", int64(-1))
	f.Add("DEFAULT", "r", "[default]", "#comment", ";x", int64(253402300799))
	f.Add(" padded ", " ", "\"quoted\"", "`tick`", "a = b", int64(0))
	f.Add("a]b", "\r", "\t", "\u2028", "'''", int64(42))
	f.Add("DEFAULT", "us-east-1", "ASIAEXAMPLE000000000", "secret", "token", int64(1900000000))
	realReaders := !fuzzing()
	python := realReaders && hasPython()
	if realReaders && !python {
		f.Log("python3 is not installed: the ini output is not checked against configparser")
	}
	f.Fuzz(func(t *testing.T, profile, region, id, secret, token string, secs int64) {
		e := warm.Entry{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, Expires: fitExpiry(secs)}
		checkExportEnv(t, profile, region, e, realReaders)
		checkExportJSON(t, profile, e)
		checkExportINI(t, profile, e, python)
	})
}

// fuzzing is true in a -fuzz run (coordinator and workers), where each input must be fast; false when
// `go test` replays the seeds and the committed corpus.
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

// fitExpiry maps a fuzzed number onto years 1 to 9999, the expiries an entry can have.
func fitExpiry(secs int64) time.Time {
	first := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix() - first + 1
	return time.Unix(first+((secs%span)+span)%span, 0).UTC()
}

func checkExportEnv(t *testing.T, profile, region string, e warm.Entry, realShells bool) {
	t.Helper()
	want := session.SessionVars(profile, region, e)
	hasNUL := false
	for _, v := range want {
		hasNUL = hasNUL || strings.ContainsRune(v, 0)
	}
	text, err := exportText("env", profile, region, e)
	if refused(t, "env", text, err, hasNUL, !hasNUL) {
		return
	}
	got, err := readShellExports(text)
	if err != nil {
		t.Fatalf("env output is not export NAME='value' statements: %v\n%q", err, text)
	}
	if !maps.Equal(got, want) {
		t.Fatalf("env output reads back as %q, want %q", got, want)
	}
	if realShells {
		for _, sh := range availableShells() {
			if got := evalInShell(t, sh, text); !maps.Equal(got, want) {
				t.Errorf("%s evaluates the env output to %q, want %q", sh, got, want)
			}
		}
	}
}

func checkExportJSON(t *testing.T, profile string, e warm.Entry) {
	t.Helper()
	text, err := exportText("json", profile, "", e)
	notUTF8 := !utf8.ValidString(e.AccessKeyID) || !utf8.ValidString(e.SecretAccessKey) || !utf8.ValidString(e.SessionToken)
	if refused(t, "json", text, err, notUTF8, !notUTF8) {
		return
	}
	if strings.Count(text, "\n") != 1 || !strings.HasSuffix(text, "\n") {
		t.Fatalf("json output is not one line: %q", text)
	}
	var doc struct {
		Version                                                int
		AccessKeyId, SecretAccessKey, SessionToken, Expiration string
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("json output does not decode: %v: %q", err, text)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("json output holds more than one value: %q", text)
	}
	expiryOK := doc.Expiration == "" // the zero time: no expiry
	if !e.Expires.IsZero() {
		exp, err := time.Parse(time.RFC3339, doc.Expiration)
		expiryOK = err == nil && exp.Equal(e.Expires) && strings.HasSuffix(doc.Expiration, "Z")
	}
	if doc.Version != 1 || doc.AccessKeyId != e.AccessKeyID || doc.SecretAccessKey != e.SecretAccessKey ||
		doc.SessionToken != e.SessionToken || !expiryOK {
		t.Fatalf("json output %q reads back as %+v, want the session %+v", text, doc, e)
	}
}

func checkExportINI(t *testing.T, profile string, e warm.Entry, python bool) {
	t.Helper()
	want := map[string]string{"aws_access_key_id": e.AccessKeyID, "aws_secret_access_key": e.SecretAccessKey, "aws_session_token": e.SessionToken}
	// What a writer that quotes nothing would print: the readers decide whether it survives.
	naive := "[" + profile + "]\naws_access_key_id = " + e.AccessKeyID + "\naws_secret_access_key = " + e.SecretAccessKey +
		"\naws_session_token = " + e.SessionToken + "\n"
	strictOK := readsBack(readINIStrict, naive, profile, want)
	kagiOK := readsBack(readINIKagi, naive, profile, want)
	text, err := exportText("ini", profile, "", e)
	plain := iniPlain(profile) && profile != "DEFAULT" && iniPlain(e.AccessKeyID) && iniPlain(e.SecretAccessKey) &&
		(e.SessionToken == "" || iniPlain(e.SessionToken))
	if refused(t, "ini", text, err, !strictOK || !kagiOK, plain) {
		return
	}
	if text != naive {
		t.Fatalf("ini output %q, want %q", text, naive)
	}
	if python {
		if got, err := readINIPython(t, text, profile); err != nil || !maps.Equal(got, want) {
			t.Errorf("Python's configparser reads the ini output %q as %q (%v), want %q", text, got, err, want)
		}
	}
}

// refused reports whether kagi refused the value, after checking that it refused when it must (mustRefuse),
// accepted when it must (mustAccept), printed nothing with its error, and said so in one line.
func refused(t *testing.T, format, text string, err error, mustRefuse, mustAccept bool) bool {
	t.Helper()
	switch {
	case err != nil && mustAccept:
		t.Fatalf("%s: refused a value its reader reads back unchanged: %v", format, err)
	case err == nil && mustRefuse:
		t.Fatalf("%s: printed a value its reader cannot read back unchanged: %q", format, text)
	case err != nil && (text != "" || strings.ContainsAny(err.Error(), "\n\r")):
		t.Fatalf("%s: refusal printed %q or is not one line: %q", format, text, err)
	}
	return err != nil
}

// iniPlain: printable UTF-8 text without any character an INI reader might treat specially, nor white space
// at either end. Every value STS issues is plain; kagi must print plain values as INI. (Others it prints if
// every reader reads them back, or refuses.)
func iniPlain(s string) bool {
	return s != "" && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl) && !strings.ContainsAny(s, "[]#;\"'`\\") &&
		strings.TrimFunc(s, unicode.IsSpace) == s
}

func readsBack(read func(string) (string, map[string]string, error), text, profile string, want map[string]string) bool {
	section, got, err := read(text)
	return err == nil && section == profile && maps.Equal(got, want)
}

// readShellExports is a strict reader of the env format: statements `export NAME=WORD` each ending in a line
// break, where WORD is made only of '…' (no ' inside) and \' pieces, as POSIX shells read them.
func readShellExports(text string) (map[string]string, error) {
	vars := map[string]string{}
	for text != "" {
		rest, ok := strings.CutPrefix(text, "export ")
		if !ok {
			return nil, errors.New("statement does not start with 'export '")
		}
		name, rest, ok := strings.Cut(rest, "=")
		if !ok || name == "" || strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != "" {
			return nil, errors.New("bad variable name")
		}
		var val bytes.Buffer
		pieces := 0
	word:
		for ; ; pieces++ {
			switch {
			case strings.HasPrefix(rest, "'"):
				body, after, ok := strings.Cut(rest[1:], "'")
				if !ok {
					return nil, errors.New("unterminated single quote")
				}
				val.WriteString(body)
				rest = after
			case strings.HasPrefix(rest, `\'`):
				val.WriteByte('\'')
				rest = rest[2:]
			default:
				break word
			}
		}
		after, ok := strings.CutPrefix(rest, "\n")
		if pieces == 0 || !ok {
			return nil, errors.New("value of " + name + " is not quoted or not followed by a line break")
		}
		if _, dup := vars[name]; dup {
			return nil, errors.New("variable " + name + " exported twice")
		}
		vars[name] = val.String()
		text = after
	}
	return vars, nil
}
