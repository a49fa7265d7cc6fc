package session_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

// lstFiles writes a config and a credentials file and loads them as the commands do.
func lstFiles(t *testing.T, config, creds string) (*session.Config, *session.Credentials) {
	t.Helper()
	dir := t.TempDir()
	cp, crp := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(cp, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(crp, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := session.LoadConfig(cp)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := session.LoadCredentials(crp)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AddCredentialsProfiles(cr)
	return cfg, cr
}

const lstConfig = `[profile dev]
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile admin]
source_profile = dev
role_arn = arn:aws:iam::123456789012:role/admin

[profile ops]
source_profile = admin
role_arn = arn:aws:iam::123456789012:role/ops

[profile self]
source_profile = self
role_arn = arn:aws:iam::123456789012:role/self

[profile inline]
aws_access_key_id = AKIAINLINEINLINE0001
aws_secret_access_key = inlineinlineinlineinlineinlineinline0001

[profile bad]
role_arn = nope
`

func TestList(t *testing.T) {
	cfg, cr := lstFiles(t, lstConfig, "[old]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = oldoldoldoldoldoldoldoldoldoldoldoldold1\n")
	store, _ := newArrayStore(t)
	key := session.LongTermKey{AccessKeyID: "AKIADEVDEVDEVDEVDEV1", SecretAccessKey: "devdevdevdevdevdevdevdevdevdevdevdevdev1"}
	for _, p := range []string{"dev", "self", "orphan"} {
		if err := store.PutKey(p, key); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if err := store.PutEntry(warm.KindRole, "admin", testEntry("A", now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := store.PutEntry(warm.KindSession, "dev", testEntry("D", now.Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	l, err := session.List(cfg, cr, store, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]session.ProfileListing{}
	var names []string
	for _, p := range l.Profiles {
		got[p.Name] = p
		names = append(names, p.Name)
	}
	if want := []string{"admin", "bad", "dev", "inline", "old", "ops", "orphan", "self"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("profiles %v, want %v", names, want)
	}
	for name, want := range map[string][3]string{ // kind, key, source_profile
		"admin": {"role", "", "dev"}, "ops": {"role", "", "admin"}, "self": {"role", "keyring", "self"},
		"dev": {"source", "keyring", ""}, "old": {"source", "credentials_file", ""}, "inline": {"source", "config_file", ""},
		"orphan": {"source", "keyring", ""}, "bad": {"invalid", "", ""},
	} {
		p := got[name]
		if [3]string{p.Kind, p.Key, p.SourceProfile} != want {
			t.Errorf("%s: kind %q key %q source %q, want %v", name, p.Kind, p.Key, p.SourceProfile, want)
		}
	}
	if !got["old"].Plaintext || !got["inline"].Plaintext || got["dev"].Plaintext || got["orphan"].InConfig || !got["dev"].InConfig || got["bad"].Error == "" {
		t.Errorf("flags: %+v", got)
	}
	if s := got["admin"].Sessions; len(s) != 1 || s[0].Kind != "role" || s[0].SecondsLeft < 3590 || s[0].SecondsLeft > 3600 {
		t.Errorf("admin sessions %+v", s)
	}
	if s := got["dev"].Sessions; len(s) != 1 || s[0].SecondsLeft != 0 {
		t.Errorf("dev sessions (expired) %+v", s)
	}
	if data, _ := json.Marshal(got["ops"]); string(data) != `{"name":"ops","kind":"role","role_arn":"arn:aws:iam::123456789012:role/ops","source_profile":"admin","mfa_serial":"","key":"","plaintext":false,"in_config":true,"sessions":[]}` {
		t.Errorf("JSON %s", data)
	}
}

func TestDependentsAndRemoveSessions(t *testing.T) {
	cfg, _ := lstFiles(t, lstConfig, "")
	if got := session.Dependents(cfg, "dev"); !reflect.DeepEqual(got, []string{"admin", "dev", "ops"}) {
		t.Fatalf("Dependents(dev) = %v", got)
	}
	store, _ := newArrayStore(t)
	now := time.Now()
	for _, p := range []string{"dev", "admin", "ops", "self"} {
		if err := store.PutEntry(warm.KindRole, p, testEntry(p, now.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := store.RemoveSessions(session.Dependents(cfg, "dev")); err != nil || n != 3 {
		t.Fatalf("RemoveSessions = %d, %v", n, err)
	}
	if left, _ := store.Entries(); len(left) != 1 || left[0].Profile != "self" {
		t.Fatalf("left %+v", left)
	}
}
