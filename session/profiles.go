package session

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// iniOptions are the parser options awsx uses for the same files, so both read them alike.
var iniOptions = ini.LoadOptions{AllowNestedValues: true, SpaceBeforeInlineComment: true}

// maxChain bounds a source_profile chain.
const maxChain = 10

// ErrUnknownProfile is wrapped by the error of Config.Profile and Config.Chain for a name in neither file.
var ErrUnknownProfile = errors.New("unknown profile")

// ConfigPath is the AWS config file: AWS_CONFIG_FILE, else $HOME/.aws/config.
func ConfigPath(env Env) string {
	if p := env("AWS_CONFIG_FILE"); p != "" {
		return p
	}
	return filepath.Join(homeDir(env), ".aws", "config")
}

// CredentialsPath is the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials.
func CredentialsPath(env Env) string {
	if p := env("AWS_SHARED_CREDENTIALS_FILE"); p != "" {
		return p
	}
	return filepath.Join(homeDir(env), ".aws", "credentials")
}

func homeDir(env Env) string {
	if h := env("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// Profile is one profile of the AWS config file, validated.
type Profile struct {
	Name              string
	Region            string
	SourceProfile     string
	RoleARN           string
	MFASerial         string
	MFAProcess        string // mfa_process: a command whose stdout is the current code (aws-vault compatible)
	ExternalID        string
	RoleSessionName   string
	DurationSeconds   int           // duration_seconds (role sessions); 0 = default
	SessionDuration   time.Duration // kagi_session_duration (GetSessionToken lifetime); 0 = default
	MFAOnAssume       bool          // kagi_mfa_on_assume: send the MFA code with AssumeRole itself
	CredentialProcess string        // credential_process
	EndpointURL       string
	HasStaticKeys     bool // aws_access_key_id in the config file's section (not the credentials file)
}

// Config is the parsed AWS config file.
type Config struct {
	Path     string
	profiles map[string]map[string]string // profile name -> lower-cased key -> value
	extra    map[string]bool              // profiles known only from the credentials file
}

// LoadConfig reads the AWS config file at path. A missing file is an empty config.
func LoadConfig(path string) (*Config, error) {
	c := &Config{Path: path, profiles: map[string]map[string]string{}}
	f, _, err := readINI(path)
	if err != nil || f == nil {
		return c, err
	}
	var plainDefault map[string]string
	for _, sec := range f.Sections() {
		name, ok := configProfileName(sec.Name())
		if !ok {
			continue
		}
		keys := sectionKeys(sec)
		if name == "default" && !strings.HasPrefix(strings.TrimSpace(sec.Name()), "profile") {
			plainDefault = keys
			continue
		}
		c.profiles[name] = keys
	}
	// [profile default] wins over [default], as in awsx.
	if _, ok := c.profiles["default"]; !ok && plainDefault != nil {
		c.profiles["default"] = plainDefault
	}
	return c, nil
}

// configProfileName maps a config-file section name to a profile name: "default", or "profile NAME"
// (NAME may be double-quoted). Bare names, [sso-session x], [services x] and the like are not profiles.
func configProfileName(section string) (string, bool) {
	s := strings.TrimSpace(section)
	if s == "default" {
		return s, true
	}
	rest, ok := strings.CutPrefix(s, "profile")
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if len(rest) >= 2 && rest[0] == '"' && rest[len(rest)-1] == '"' {
		rest = rest[1 : len(rest)-1]
	} else if strings.ContainsAny(rest, " \t") {
		return "", false // the AWS CLI splits the header on whitespace and ignores such sections
	}
	return rest, rest != ""
}

// sectionKeys returns a section's keys, lower-cased as the AWS CLI reads them; a later duplicate wins.
func sectionKeys(sec *ini.Section) map[string]string {
	m := make(map[string]string, len(sec.Keys()))
	for _, k := range sec.Keys() {
		m[strings.ToLower(k.Name())] = k.Value()
	}
	return m
}

// AddCredentialsProfiles makes the profiles of the credentials file known to Profile and Chain, as empty
// profiles, unless the config file defines them: the AWS CLI accepts a source_profile defined only there.
func (c *Config) AddCredentialsProfiles(cr *Credentials) {
	if c.extra == nil {
		c.extra = map[string]bool{}
	}
	for _, name := range cr.Profiles() {
		c.extra[name] = true
	}
}

// Names returns the profiles of the config file, sorted.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.profiles))
	for n := range c.profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (c *Config) has(name string) bool {
	_, ok := c.profiles[name]
	return ok || c.extra[name]
}

// Profile returns the named profile with its settings validated.
func (c *Config) Profile(name string) (*Profile, error) {
	keys, ok := c.profiles[name]
	if !ok {
		if c.extra[name] {
			return &Profile{Name: name}, nil
		}
		return nil, &unknownProfileError{fmt.Sprintf("profile %s is not in %s; run 'kagi list' to see the profiles", quote(name), c.Path)}
	}
	p := &Profile{
		Name:              name,
		Region:            keys["region"],
		SourceProfile:     keys["source_profile"],
		RoleARN:           keys["role_arn"],
		MFASerial:         keys["mfa_serial"],
		MFAProcess:        keys["mfa_process"],
		ExternalID:        keys["external_id"],
		RoleSessionName:   keys["role_session_name"],
		CredentialProcess: keys["credential_process"],
		EndpointURL:       keys["endpoint_url"],
		HasStaticKeys:     keys["aws_access_key_id"] != "",
	}
	bad := func(key, msg string) error {
		return fmt.Errorf("%s: profile %s: %s %s %s", c.Path, quote(name), key, quote(keys[key]), msg)
	}
	if v := keys["duration_seconds"]; v != "" {
		n, ok := atoiBounded(v)
		if !ok || n < 900 || n > 43200 {
			return nil, bad("duration_seconds", "must be a number of seconds between 900 and 43200")
		}
		p.DurationSeconds = n
	}
	if v := keys["kagi_session_duration"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 15*time.Minute || d > 36*time.Hour {
			return nil, bad("kagi_session_duration", "must be a duration between 15m and 36h, like 12h")
		}
		p.SessionDuration = d
	}
	switch v := keys["kagi_mfa_on_assume"]; {
	case v == "" || strings.EqualFold(v, "false"):
	case strings.EqualFold(v, "true"):
		p.MFAOnAssume = true
	default:
		return nil, bad("kagi_mfa_on_assume", "must be true or false")
	}
	if p.RoleARN != "" && !validARN(p.RoleARN, "role/") {
		return nil, bad("role_arn", "is not an IAM role ARN; use arn:aws:iam::ACCOUNT_ID:role/NAME")
	}
	if v := p.MFASerial; v != "" {
		if strings.HasPrefix(v, "arn:") && !validARN(v, "mfa/") {
			return nil, bad("mfa_serial", "is not an MFA device ARN; use arn:aws:iam::ACCOUNT_ID:mfa/NAME")
		}
		if !strings.HasPrefix(v, "arn:") && (len(v) < 9 || len(v) > 256 || !wordChars(v, "+=/:,.@-")) {
			return nil, bad("mfa_serial", "is neither an MFA device ARN (arn:aws:iam::ACCOUNT_ID:mfa/NAME) nor a hardware token serial number")
		}
	}
	if v := p.RoleSessionName; v != "" && (len(v) < 2 || len(v) > 64 || !wordChars(v, "+=,.@-")) {
		return nil, bad("role_session_name", "must be 2 to 64 letters, digits or +=,.@_-")
	}
	if v := p.ExternalID; v != "" && (len(v) < 2 || len(v) > 1224 || !wordChars(v, "+=,.@:/-")) {
		return nil, bad("external_id", "must be 2 to 1224 letters, digits or +=,.@:/_-")
	}
	return p, nil
}

// Chain returns the named profile followed by its source_profile, that one's source_profile and so on,
// ending with the profile whose long-term key starts the chain. A role profile whose source_profile is
// itself uses its own key: the chain then ends with a copy of it without the role settings.
func (c *Config) Chain(name string) ([]*Profile, error) {
	var chain []*Profile
	for cur := name; ; {
		p, err := c.Profile(cur)
		if err != nil {
			return nil, err
		}
		chain = append(chain, p)
		if len(chain) > maxChain {
			return nil, fmt.Errorf("%s: profile %s: the source_profile chain %s is longer than %d profiles; shorten it", c.Path, quote(name), chainString(chain, ""), maxChain)
		}
		if p.RoleARN == "" {
			return chain, nil
		}
		if cs := c.profiles[cur]["credential_source"]; cs != "" {
			return nil, fmt.Errorf("%s: profile %s: credential_source %s is not supported by kagi, which starts from a long-term key; use source_profile = <profile with keys> instead", c.Path, quote(cur), quote(cs))
		}
		next := p.SourceProfile
		switch {
		case next == "":
			return nil, fmt.Errorf("%s: profile %s has role_arn but no source_profile; add source_profile = <profile with keys>", c.Path, quote(cur))
		case next == cur:
			src := *p
			src.RoleARN, src.SourceProfile, src.ExternalID, src.RoleSessionName = "", "", "", ""
			src.DurationSeconds, src.MFAOnAssume = 0, false
			if chain = append(chain, &src); len(chain) > maxChain {
				return nil, fmt.Errorf("%s: profile %s: the source_profile chain %s is longer than %d profiles; shorten it", c.Path, quote(name), chainString(chain, ""), maxChain)
			}
			return chain, nil
		case !c.has(next):
			return nil, fmt.Errorf("%s: profile %s: source_profile %s is not a profile in %s; fix the name or add [profile %s]", c.Path, quote(cur), quote(next), c.Path, plain(next))
		}
		for _, q := range chain {
			if q.Name == next {
				return nil, fmt.Errorf("%s: profile %s: source_profile makes a cycle %s; point one of them at a profile with keys", c.Path, quote(cur), chainString(chain, next))
			}
		}
		cur = next
	}
}

func chainString(chain []*Profile, last string) string {
	names := make([]string, 0, len(chain)+1)
	for _, p := range chain {
		names = append(names, plain(p.Name))
	}
	if last != "" {
		names = append(names, plain(last))
	}
	return strings.Join(names, " -> ")
}

// Fingerprint is a short hash of the settings of the whole chain that decide which credentials STS
// issues. Cached sessions record it, so editing the config invalidates them.
func (c *Config) Fingerprint(name string) (string, error) {
	chain, err := c.Chain(name)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	field("kagi-chain-v1")
	for _, p := range chain {
		field(p.Name)
		field(p.RoleARN)
		field(p.SourceProfile)
		field(p.MFASerial)
		field(p.ExternalID)
		field(p.RoleSessionName)
		field(strconv.Itoa(p.DurationSeconds))
		field(p.SessionDuration.String())
		field(strconv.FormatBool(p.MFAOnAssume))
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

type unknownProfileError struct{ msg string }

func (e *unknownProfileError) Error() string        { return e.msg }
func (e *unknownProfileError) Is(target error) bool { return target == ErrUnknownProfile }

// validARN checks arn:PARTITION:iam::ACCOUNT:<kind>PATH/NAME with IAM's character rules.
func validARN(s, kind string) bool {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[3] != "" {
		return false
	}
	if parts[1] == "" || len(parts[1]) > 32 || !wordChars(parts[1], "-") || !digits(parts[4], 12) {
		return false
	}
	res, ok := strings.CutPrefix(parts[5], kind)
	if !ok || len(res) > 576 || !wordChars(res, "+=,.@/-") || strings.HasPrefix(res, "/") {
		return false
	}
	base := res[strings.LastIndexByte(res, '/')+1:]
	return base != "" && len(base) <= 64
}

// wordChars reports whether s is ASCII letters, digits, '_' and bytes of extra.
func wordChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_' || strings.IndexByte(extra, b) >= 0) {
			return false
		}
	}
	return true
}

func digits(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789") == ""
}

// atoiBounded parses a plain decimal number of at most 9 digits.
func atoiBounded(s string) (int, bool) {
	if s == "" || len(s) > 9 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// plain shows a name in a message as it is, or quoted if it is long or holds control characters.
func plain(s string) string {
	if len(s) > 80 || strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return quote(s)
	}
	return s
}

// quote shows a value from a file in a message: quoted, escaped, and cut short.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strconv.Quote(s)
}
