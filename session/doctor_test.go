package session_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
)

// doctorKeyring wraps a keyring and fails or corrupts chosen operations.
type doctorKeyring struct {
	keyring.Keyring
	setErr  error
	corrupt bool
}

func (k doctorKeyring) Set(it keyring.Item) error {
	if k.setErr != nil {
		return k.setErr
	}
	return k.Keyring.Set(it)
}

func (k doctorKeyring) Get(name string) (keyring.Item, error) {
	it, err := k.Keyring.Get(name)
	if k.corrupt {
		it.Data = append(it.Data, 'x')
	}
	return it, err
}

func TestKeyringCheck(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	c := session.KeyringCheck(session.NewStore(kr, "array"), nil)
	if c.ID != "keyring" || c.Status != awsx.CheckOK || !strings.Contains(c.Detail, "array keyring works") || c.Fix != "" {
		t.Fatalf("working keyring: %+v", c)
	}
	if names, _ := kr.Keys(); len(names) != 0 {
		t.Fatalf("the health check left items behind: %v", names)
	}

	c = session.KeyringCheck(session.NewStore(doctorKeyring{Keyring: kr, setErr: errors.New("Cannot create an item in a locked collection")}, "secret-service"), nil)
	if c.Status != awsx.CheckFail || !strings.Contains(c.Detail, "secret-service keyring opened, but writing a test item failed") ||
		!strings.HasSuffix(c.Detail, `failed: the "login" keyring is locked.`) || !strings.HasPrefix(c.Fix, "Unlock it") {
		t.Fatalf("locked keyring: %+v", c)
	}

	c = session.KeyringCheck(session.NewStore(doctorKeyring{Keyring: kr, corrupt: true}, "file"), nil)
	if c.Status != awsx.CheckFail || !strings.Contains(c.Detail, "returned different data") || c.Fix == "" {
		t.Fatalf("corrupting keyring: %+v", c)
	}
	if names, _ := kr.Keys(); len(names) != 0 {
		t.Fatalf("a failed health check left items behind: %v", names)
	}

	_, err := session.OpenStore(session.StoreOptions{Backend: "bogus"})
	c = session.KeyringCheck(nil, err)
	if c.Status != awsx.CheckFail || !strings.HasPrefix(c.Detail, "Unknown keyring backend") || !strings.HasPrefix(c.Fix, "Use one of: ") {
		t.Fatalf("keyring that did not open: %+v", c)
	}
}

func TestPlaintextKeysCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	c := session.PlaintextKeysCheck(session.LoadCredentials(path))
	if c.Status != awsx.CheckOK || !strings.Contains(c.Detail, path) {
		t.Fatalf("no file: %+v", c)
	}
	body := "[dev]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = secretsecretsecretsecret\n" +
		"[tmp]\naws_access_key_id = ASIAEXAMPLEEXAMPLE12\naws_secret_access_key = x\naws_session_token = y\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c = session.PlaintextKeysCheck(session.LoadCredentials(path))
	if c.Status != awsx.CheckWarn || c.Detail != path+" holds the long-term access key of profile dev in plaintext." || c.Fix != "Move it into the keyring with 'kagi import dev'." {
		t.Fatalf("one plaintext key: %+v", c)
	}
	if err := os.WriteFile(path, []byte(body+"[ops]\naws_access_key_id = AKIAEXAMPLEEXAMPLE13\naws_secret_access_key = secretsecretsecretsecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c = session.PlaintextKeysCheck(session.LoadCredentials(path)); c.Status != awsx.CheckWarn || !strings.Contains(c.Detail, "profiles dev, ops") {
		t.Fatalf("two plaintext keys: %+v", c)
	}
	if err := os.WriteFile(path, []byte("[dev\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c = session.PlaintextKeysCheck(session.LoadCredentials(path)); c.Status != awsx.CheckWarn || c.Detail == "" {
		t.Fatalf("unreadable file: %+v", c)
	}
}

// doctorTokens answers MFA prompts with the endpoint's current code.
type doctorTokens struct {
	srv    *localaws.Server
	secret string
}

func (d doctorTokens) Token(context.Context, session.TokenRequest) (string, error) {
	return localaws.CodeAt(d.secret, d.srv.Clock().Now()), nil
}

type doctorWorld struct {
	srv    *localaws.Server
	seeded *localaws.Seeded
	opts   session.DoctorOptions
	kr     *keyring.ArrayKeyring
}

// newDoctorWorld seeds localaws and writes a config with profile dev (with mfa_serial when the user has MFA)
// whose key is in an in-memory keyring.
func newDoctorWorld(t *testing.T, scenario string) *doctorWorld {
	t.Helper()
	srv := localaws.New(localaws.Options{})
	srv.Clock().Set(time.Now().Truncate(30 * time.Second).Add(5 * time.Second))
	seeded, err := srv.Seed(scenario)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	body := "[profile dev]\nregion = us-east-1\n"
	if seeded.MFASerial != "" {
		body += "mfa_serial = " + seeded.MFASerial + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "KAGI_STATE_DIR": filepath.Join(dir, "state")}
	kr := keyring.NewArrayKeyring(nil)
	store := session.NewStore(kr, "array")
	if err := store.PutKey("dev", session.LongTermKey{AccessKeyID: seeded.AccessKeyID, SecretAccessKey: seeded.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	return &doctorWorld{srv: srv, seeded: seeded, kr: kr, opts: session.DoctorOptions{
		Options: session.Options{Env: func(k string) string { return env[k] }, Store: store,
			AWS: awsx.Config{Region: "us-east-1", IAMEndpoint: url, STSEndpoint: url, RetryMaxAttempts: 1}},
		Profile: "dev", Tokens: doctorTokens{srv, seeded.MFASecret}, Now: srv.Clock().Now,
	}}
}

func (w *doctorWorld) run(t *testing.T) map[string]awsx.Check {
	t.Helper()
	checks, err := session.RunDoctor(context.Background(), w.opts)
	if err != nil {
		t.Fatalf("RunDoctor: %v", err)
	}
	want := append([]string{"keyring", "plaintext-keys"}, awsx.AWSCheckIDs...)
	m := map[string]awsx.Check{}
	for i, c := range checks {
		if i >= len(want) || c.ID != want[i] {
			t.Fatalf("checks out of order: %+v", checks)
		}
		m[c.ID] = c
	}
	if len(checks) != len(want) {
		t.Fatalf("%d checks, want %d", len(checks), len(want))
	}
	return m
}

func TestRunDoctorWithMFASession(t *testing.T) {
	w := newDoctorWorld(t, localaws.ScenarioOnboarded)
	m := w.run(t)
	for id, want := range map[string]awsx.CheckStatus{"keyring": awsx.CheckOK, "plaintext-keys": awsx.CheckOK, "credentials": awsx.CheckOK,
		"clock": awsx.CheckOK, "mfa": awsx.CheckOK, "access-key-age": awsx.CheckOK, "unused-keys": awsx.CheckUnknown, "password-age": awsx.CheckUnknown} {
		if m[id].Status != want {
			t.Errorf("%s: %+v, want %s", id, m[id], want)
		}
	}
	if !strings.Contains(m["credentials"].Detail, "profile dev's MFA session") {
		t.Errorf("credentials: %+v", m["credentials"])
	}
	// Only the key and the cached MFA session remain in the keyring: no health-check item.
	names, _ := w.kr.Keys()
	for _, n := range names {
		if strings.Contains(n, "kagi-doctor") {
			t.Errorf("left over: %s", n)
		}
	}
	if w.srv.Calls().Calls["GetSessionToken"] != 1 {
		t.Errorf("GetSessionToken calls: %d", w.srv.Calls().Calls["GetSessionToken"])
	}
}

func TestRunDoctorBeforeMFA(t *testing.T) {
	w := newDoctorWorld(t, localaws.ScenarioNewUser)
	m := w.run(t)
	if c := m["mfa"]; c.Status != awsx.CheckFail || !strings.Contains(c.Fix, "kagi mfa register") {
		t.Errorf("mfa: %+v", c)
	}
	if c := m["credentials"]; c.Status != awsx.CheckOK || !strings.Contains(c.Detail, "profile dev's long-term key") {
		t.Errorf("credentials: %+v", c)
	}
	for _, id := range []string{"password-age", "access-key-age", "unused-keys"} {
		if c := m[id]; c.Status != awsx.CheckUnknown || !strings.HasPrefix(c.Detail, "Not permitted") {
			t.Errorf("%s: %+v", id, c)
		}
	}
}

func TestRunDoctorWithoutCredentials(t *testing.T) {
	w := newDoctorWorld(t, localaws.ScenarioOnboarded)
	w.opts.Profile = "ops"
	m := w.run(t)
	if c := m["credentials"]; c.Status != awsx.CheckFail || !strings.Contains(c.Detail+c.Fix, "ops") {
		t.Errorf("credentials for an unknown profile: %+v", c)
	}
	if c := m["mfa"]; c.Status != awsx.CheckUnknown || !strings.HasPrefix(c.Detail, "Not checked") {
		t.Errorf("mfa: %+v", c)
	}

	// A keyring that cannot hold an item fails its check, and the AWS checks are skipped.
	w = newDoctorWorld(t, localaws.ScenarioOnboarded)
	w.opts.Store = nil
	env := w.opts.Env
	w.opts.Env = func(k string) string {
		if k == "KAGI_KEYRING_BACKEND" {
			return "bogus"
		}
		return env(k)
	}
	m = w.run(t)
	if c := m["keyring"]; c.Status != awsx.CheckFail || !strings.Contains(c.Detail, "bogus") {
		t.Errorf("keyring: %+v", c)
	}
	if c := m["credentials"]; c.Status != awsx.CheckFail || !strings.Contains(c.Detail, "keyring could not be opened") {
		t.Errorf("credentials: %+v", c)
	}
	if w.srv.Calls().Calls["GetCallerIdentity"] != 0 {
		t.Error("AWS was called without credentials")
	}
}

func TestVolatileImportNote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "+strings.Repeat("s", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	warn := session.PlaintextKeysCheck(session.LoadCredentials(path))
	keyctl := session.NewStore(keyring.NewArrayKeyring(nil), "keyctl")
	file := session.NewStore(keyring.NewArrayKeyring(nil), "file")
	if c := session.VolatileImportNote(warn, keyctl); !strings.Contains(c.Fix, "'kagi import dev'") || !strings.Contains(c.Fix, "--volatile") {
		t.Fatalf("keyctl: %q", c.Fix)
	}
	if c := session.VolatileImportNote(warn, file); c.Fix != warn.Fix {
		t.Fatalf("file: %q", c.Fix)
	}
	if ok := session.PlaintextKeysCheck(session.LoadCredentials(filepath.Join(t.TempDir(), "none"))); session.VolatileImportNote(ok, keyctl) != ok {
		t.Fatal("a check with nothing to import was changed")
	}
}
