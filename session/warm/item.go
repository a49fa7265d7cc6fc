// Package warm is kagi's warm path: everything `credential_process` needs to answer from a cached session
// without a network call, and nothing more. It imports only small standard packages, because every package
// linked into the binary that the AWS CLI runs costs start-up time on every AWS command (see
// cmd/kagi-credential-process). The session package writes items in the format defined here.
package warm

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Item kinds in the keyring.
const (
	KindKey     = "key"     // a profile's long-term access key
	KindSession = "session" // GetSessionToken credentials of a source profile
	KindRole    = "role"    // AssumeRole credentials of a role profile
)

// itemPrefix starts every item kagi stores, so kagi never touches anything else in a shared keyring.
const itemPrefix = "kagi:v1:"

// ItemName is an item's name in the keyring. Names carry no secrets; session and role names end with
// the expiry (Unix seconds), so stale items are found and purged from names alone, without decrypting.
func ItemName(kind, profile string, expires time.Time) string {
	name := itemPrefix + kind + ":" + escape(profile)
	if kind != KindKey {
		name += ":" + strconv.FormatInt(expires.Unix(), 10)
	}
	return name
}

// ItemInfo is what an item name says.
type ItemInfo struct {
	Kind    string
	Profile string
	Expires time.Time // zero for keys
}

// ParseItemName reads a name written by ItemName; ok is false for anything else.
func ParseItemName(name string) (info ItemInfo, ok bool) {
	rest, found := strings.CutPrefix(name, itemPrefix)
	if !found {
		return ItemInfo{}, false
	}
	parts := strings.Split(rest, ":")
	switch {
	case len(parts) == 2 && parts[0] == KindKey:
		p, err := unescape(parts[1])
		return ItemInfo{Kind: KindKey, Profile: p}, err == nil
	case len(parts) == 3 && (parts[0] == KindSession || parts[0] == KindRole):
		p, err := unescape(parts[1])
		secs, perr := strconv.ParseInt(parts[2], 10, 64)
		if err != nil || perr != nil {
			return ItemInfo{}, false
		}
		return ItemInfo{Kind: parts[0], Profile: p, Expires: time.Unix(secs, 0).UTC()}, true
	}
	return ItemInfo{}, false
}

// escape makes a profile name safe inside an item name: ':' separates fields, ';' separates the fields of
// a kernel key description, and '%' escapes.
var (
	escaper   = strings.NewReplacer("%", "%25", ":", "%3A", ";", "%3B")
	unescaper = strings.NewReplacer("%25", "%", "%3A", ":", "%3B", ";")
)

func escape(s string) string {
	if !strings.ContainsAny(s, ":;%") {
		return s
	}
	return escaper.Replace(s)
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	if strings.Count(s, "%") != strings.Count(s, "%25")+strings.Count(s, "%3A")+strings.Count(s, "%3B") {
		return "", errors.New("bad escape")
	}
	return unescaper.Replace(s), nil
}

// Entry is a cached set of temporary credentials.
type Entry struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
	// Stamp identifies the AWS config file the entry was made under (see ConfigStamp): when the file
	// changes, the warm path stops trusting the entry and the full path re-checks the profile.
	Stamp string
	// Fingerprint identifies the profile settings that made the entry (role ARN, source, MFA serial, …).
	Fingerprint string
}

const entryHeader = "kagi-entry v1"

// Encode serialises an entry as "key=value" lines. A line format, not JSON: decoding it on the warm path
// must not link encoding/json (≈0.8 ms per start, measured).
func (e Entry) Encode() ([]byte, error) {
	fields := [][2]string{
		{"access_key_id", e.AccessKeyID}, {"secret_access_key", e.SecretAccessKey}, {"session_token", e.SessionToken},
		{"expires", strconv.FormatInt(e.Expires.Unix(), 10)}, {"stamp", e.Stamp}, {"fingerprint", e.Fingerprint},
	}
	var b strings.Builder
	b.WriteString(entryHeader + "\n")
	for _, f := range fields {
		if strings.ContainsAny(f[1], "\n\r") {
			return nil, errors.New("credential field " + f[0] + " contains a line break")
		}
		b.WriteString(f[0] + "=" + f[1] + "\n")
	}
	return []byte(b.String()), nil
}

// DecodeEntry parses Encode's output.
func DecodeEntry(data []byte) (Entry, error) {
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) == 0 || lines[0] != entryHeader {
		return Entry{}, errors.New("not a kagi session entry")
	}
	var e Entry
	for _, line := range lines[1:] {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return Entry{}, errors.New("malformed session entry line")
		}
		switch k {
		case "access_key_id":
			e.AccessKeyID = v
		case "secret_access_key":
			e.SecretAccessKey = v
		case "session_token":
			e.SessionToken = v
		case "expires":
			secs, err := strconv.ParseInt(v, 10, 64)
			if err != nil || secs < minExpiry || secs > maxExpiry {
				return Entry{}, errors.New("malformed session expiry")
			}
			e.Expires = time.Unix(secs, 0).UTC()
		case "stamp":
			e.Stamp = v
		case "fingerprint":
			e.Fingerprint = v
		}
	}
	if e.AccessKeyID == "" || e.SecretAccessKey == "" || e.Expires.IsZero() {
		return Entry{}, errors.New("incomplete session entry")
	}
	if !utf8.ValidString(e.AccessKeyID) || !utf8.ValidString(e.SecretAccessKey) || !utf8.ValidString(e.SessionToken) {
		return Entry{}, errors.New("session entry credential is not UTF-8")
	}
	return e, nil
}

// The expiries an entry may carry: years 1 to 9999, the range RFC 3339 (credential_process's Expiration)
// can write. Anything else is a corrupt entry, not a session that never expires.
const (
	minExpiry = -62135596800 // 0001-01-01T00:00:00Z
	maxExpiry = 253402300799 // 9999-12-31T23:59:59Z
)

// ConfigStamp identifies the current state of the AWS config file at path: its path, size and
// modification time. A missing file has the stamp "path|absent".
func ConfigStamp(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return path + "|absent"
	}
	return path + "|" + strconv.FormatInt(info.Size(), 10) + "|" + strconv.FormatInt(info.ModTime().UnixNano(), 10)
}

// ProcessOutput is the credential_process JSON document (Version 1) for an entry, on one line. Expires must
// lie in years 1 to 9999 (STS's expiries do, and DecodeEntry refuses others); a zero Expires is left out.
func ProcessOutput(e Entry) []byte {
	var b strings.Builder
	b.WriteString(`{"Version":1,"AccessKeyId":`)
	writeJSONString(&b, e.AccessKeyID)
	b.WriteString(`,"SecretAccessKey":`)
	writeJSONString(&b, e.SecretAccessKey)
	if e.SessionToken != "" {
		b.WriteString(`,"SessionToken":`)
		writeJSONString(&b, e.SessionToken)
	}
	if !e.Expires.IsZero() {
		b.WriteString(`,"Expiration":`)
		writeJSONString(&b, e.Expires.UTC().Format(time.RFC3339))
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// writeJSONString writes s as a JSON string (RFC 8259 escapes; non-ASCII passes through as UTF-8). A byte
// that is not part of valid UTF-8 becomes \ufffd, as encoding/json writes it: JSON text is UTF-8, and the AWS
// CLI decodes credential_process output as UTF-8 and fails on anything else.
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
		i++
	}
	b.WriteByte('"')
}
