package session

import (
	"sort"
	"time"

	"github.com/kagi-cli/kagi/session/warm"
)

// Where a source profile's long-term key lives (ProfileListing.Key).
const (
	KeyInKeyring     = "keyring"
	KeyInCredentials = "credentials_file" // plaintext, in ~/.aws/credentials
	KeyInConfig      = "config_file"      // plaintext, aws_access_key_id in the config file's section
	KeyNone          = "none"
)

// Profile kinds (ProfileListing.Kind).
const (
	KindRole    = "role"
	KindSource  = "source"
	KindInvalid = "invalid" // the config file's settings for it do not validate; Error says why
)

// Listing is every profile kagi knows of: from the config file, the credentials file and the keyring.
type Listing struct {
	KeyringBackend  string           `json:"keyring_backend"`
	SessionBackend  string           `json:"session_backend"` // where cached sessions are (keyctl on Linux)
	ConfigFile      string           `json:"config_file"`
	CredentialsFile string           `json:"credentials_file"`
	Profiles        []ProfileListing `json:"profiles"`
}

// ProfileListing is one profile. It is made from the files and from keyring item names: no secret is read.
type ProfileListing struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	RoleARN       string `json:"role_arn"`
	SourceProfile string `json:"source_profile"`
	MFASerial     string `json:"mfa_serial"`
	// Key is where the long-term key of a profile that starts a chain lives (KeyIn*, KeyNone); "" for roles.
	Key string `json:"key"`
	// Plaintext: the config or credentials file holds a long-term key of this profile ('kagi import' moves it).
	Plaintext bool            `json:"plaintext"`
	InConfig  bool            `json:"in_config"` // the config file defines it (not only the credentials file or keyring)
	Sessions  []CachedSession `json:"sessions"`  // newest first; never null
	Error     string          `json:"error,omitempty"`
}

// CachedSession is one cached session (KindSession: the MFA session of a source profile) or role session.
type CachedSession struct {
	Kind        string    `json:"kind"`
	Expires     time.Time `json:"expires"`
	SecondsLeft int64     `json:"seconds_left"` // 0 once expired
}

// List describes every profile. cfg should know the credentials file's profiles (Config.AddCredentialsProfiles).
func List(cfg *Config, creds *Credentials, store *Store, now time.Time) (*Listing, error) {
	keyNames, err := store.KeyProfiles()
	if err != nil {
		return nil, err
	}
	entries, err := store.Entries()
	if err != nil {
		return nil, err
	}
	inKeyring := map[string]bool{}
	names := map[string]bool{}
	for _, n := range keyNames {
		inKeyring[n], names[n] = true, true
	}
	sessions := map[string][]CachedSession{}
	for _, e := range entries {
		left := int64(e.Expires.Sub(now) / time.Second)
		if left < 0 {
			left = 0
		}
		names[e.Profile] = true
		sessions[e.Profile] = append(sessions[e.Profile], CachedSession{Kind: e.Kind, Expires: e.Expires.UTC(), SecondsLeft: left})
	}
	inConfig := map[string]bool{}
	for _, n := range cfg.Names() {
		inConfig[n], names[n] = true, true
	}
	for _, n := range creds.Profiles() {
		names[n] = true
	}
	out := &Listing{KeyringBackend: store.Backend(), SessionBackend: store.SessionBackend(), ConfigFile: cfg.Path, Profiles: []ProfileListing{}}
	if creds != nil {
		out.CredentialsFile = creds.Path
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		pl := ProfileListing{Name: name, InConfig: inConfig[name], Sessions: sessions[name]}
		if pl.Sessions == nil {
			pl.Sessions = []CachedSession{}
		}
		p := &Profile{Name: name}
		if pl.InConfig {
			if p, err = cfg.Profile(name); err != nil {
				pl.Kind, pl.Error = KindInvalid, err.Error()
				out.Profiles = append(out.Profiles, pl)
				continue
			}
		}
		pl.RoleARN, pl.SourceProfile, pl.MFASerial = p.RoleARN, p.SourceProfile, p.MFASerial
		_, inCreds := creds.Key(name)
		pl.Plaintext = inCreds || p.HasStaticKeys
		pl.Kind = KindSource
		if p.RoleARN != "" {
			pl.Kind = KindRole
		}
		if p.RoleARN == "" || p.SourceProfile == name { // the profile's own key starts its chain
			switch {
			case inKeyring[name]:
				pl.Key = KeyInKeyring
			case inCreds:
				pl.Key = KeyInCredentials
			case p.HasStaticKeys:
				pl.Key = KeyInConfig
			default:
				pl.Key = KeyNone
			}
		}
		out.Profiles = append(out.Profiles, pl)
	}
	return out, nil
}

// Dependents returns source and every profile whose source_profile chain starts with source's key, sorted:
// the profiles whose cached sessions were made with that key. Profiles whose chain does not resolve are left out.
func Dependents(cfg *Config, source string) []string {
	out := []string{source}
	for _, name := range cfg.Names() {
		if name == source {
			continue
		}
		if chain, err := cfg.Chain(name); err == nil && chain[len(chain)-1].Name == source {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// RemoveSessions removes the cached sessions and role sessions of the given profiles and returns how many.
func (s *Store) RemoveSessions(profiles []string) (int, error) {
	want := map[string]bool{}
	for _, p := range profiles {
		want[p] = true
	}
	return s.removeEntries(func(info warm.ItemInfo) bool { return want[info.Profile] })
}
