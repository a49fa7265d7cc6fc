package session

import (
	"bytes"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/session/warm"
)

func mapEnv(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestBackendChoose(t *testing.T) {
	cases := []struct {
		explicit string
		env      map[string]string
		goos     string
		want     string
	}{
		{"", nil, "linux", "keyctl"},
		{"", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}, "linux", "secret-service"},
		{"", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "x", "KAGI_KEYRING_BACKEND": "keyctl"}, "linux", "keyctl"},
		{"file", map[string]string{"KAGI_KEYRING_BACKEND": "keyctl"}, "linux", "file"},
		{"", map[string]string{"KAGI_KEYRING_BACKEND": " Secret-Service "}, "linux", "secret-service"},
		{"", nil, "darwin", ""}, // library order: keychain first
		{"", nil, "windows", ""},
		{"", map[string]string{"KAGI_KEYRING_BACKEND": "pass"}, "darwin", "pass"},
	}
	for _, c := range cases {
		got, err := chooseBackend(c.explicit, mapEnv(c.env), c.goos)
		if err != nil || got != c.want {
			t.Errorf("chooseBackend(%q, %v, %s) = %q, %v; want %q", c.explicit, c.env, c.goos, got, err, c.want)
		}
	}
}

func TestBackendUnknown(t *testing.T) {
	for _, c := range []struct{ explicit, env, mention string }{
		{"vault", "", `backend "vault"`},
		{"", "gnome", `KAGI_KEYRING_BACKEND "gnome"`},
	} {
		_, err := OpenStore(StoreOptions{Backend: c.explicit, Env: mapEnv(map[string]string{"KAGI_KEYRING_BACKEND": c.env})})
		if err == nil {
			t.Fatalf("OpenStore(%q/%q) succeeded", c.explicit, c.env)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, c.mention) {
			t.Errorf("error %q does not mention %s on one line", msg, c.mention)
		}
		for _, b := range BackendNames {
			if !strings.Contains(msg, b) {
				t.Errorf("error %q does not list %s", msg, b)
			}
		}
	}
}

func TestBackendFileFromEnv(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kr")
	var debug bytes.Buffer
	s, err := OpenStore(StoreOptions{
		FileDir: dir,
		Env:     mapEnv(map[string]string{"KAGI_KEYRING_BACKEND": "file", "KAGI_FILE_PASSPHRASE": "pw"}),
		Debug:   func(f string, a ...any) { debug.WriteString(f + "\n") },
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Backend() != "file" {
		t.Fatalf("Backend() = %q", s.Backend())
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode: %v %v", info.Mode(), err)
	}
	if err := s.PutEntry(warm.KindRole, "r", warm.Entry{AccessKeyID: "A", SecretAccessKey: "S", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if debug.Len() == 0 {
		t.Error("no debug output")
	}
	// Without a passphrase source the error says how to provide one.
	s2, err := OpenStore(StoreOptions{Backend: "file", FileDir: dir, Env: mapEnv(nil)})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s2.Entry(warm.KindRole, "r", time.Now())
	if err == nil || !strings.Contains(err.Error(), "KAGI_FILE_PASSPHRASE") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("missing passphrase error: %v", err)
	}
	// A wrong passphrase is named as such.
	s3, _ := OpenStore(StoreOptions{Backend: "file", FileDir: dir, Env: mapEnv(map[string]string{"KAGI_FILE_PASSPHRASE": "wrong"})})
	if _, _, err = s3.Entry(warm.KindRole, "r", time.Now()); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("wrong passphrase error: %v", err)
	}
	// An empty passphrase from the prompt is refused.
	s4, _ := OpenStore(StoreOptions{Backend: "file", FileDir: dir, Env: mapEnv(nil), Passphrase: func(string) (string, error) { return "", nil }})
	if _, _, err = s4.Entry(warm.KindRole, "r", time.Now()); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty passphrase error: %v", err)
	}
}

func TestBackendFileDirWidened(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(StoreOptions{Backend: "file", FileDir: dir, Env: mapEnv(nil)}); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, want 0700", info.Mode().Perm())
	}
}

func TestBackendErrorMessages(t *testing.T) {
	cases := []struct{ backend, cause, want string }{
		{"secret-service", "Cannot get secret of a locked object", `"login" keyring is locked; unlock it`},
		{"secret-service", "Prompt dismissed", "unlock it"},
		{"secret-service", "The name org.freedesktop.secrets was not provided by any .service files", "start gnome-keyring-daemon"},
		{"keyctl", "opening named \"user\" keyring failed: permission denied", "keyctl unlink"},
		{"keyctl", "accessing \"user\" keyring failed: operation not permitted", "containers often block keyctl"},
		{"keyctl", "adding key to session failed: disk quota exceeded", "maxkeys"},
		{"file", "aes.KeyUnwrap(): integrity check failed.", "wrong passphrase"},
		{"pass", "The pass program is not available", "install pass"},
		{"kwallet", "org.kde.kwalletd5 not found", "KWallet"},
		{"keyctl", "something\nodd", "KAGI_KEYRING_BACKEND"},
	}
	for _, c := range cases {
		err := explain(c.backend, c.cause, "login")
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("explain(%s, %q) = %q; want it to contain %q on one line", c.backend, c.cause, msg, c.want)
		}
	}
	noBus := explainOpen("secret-service", "", mapEnv(nil), "login")
	if !strings.Contains(noBus.Error(), "no D-Bus session bus") || !strings.Contains(noBus.Error(), "KAGI_KEYRING_BACKEND=keyctl") {
		t.Errorf("no bus: %v", noBus)
	}
	unreachable := explainOpen("secret-service", "", mapEnv(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}), "login")
	if !strings.Contains(unreachable.Error(), "not reachable") {
		t.Errorf("unreachable bus: %v", unreachable)
	}
	if err := explainOpen("wincred", "", mapEnv(nil), "login"); !strings.Contains(err.Error(), "not available on") {
		t.Errorf("foreign backend: %v", err)
	}
}

func TestBackendStoreErrorsWrapped(t *testing.T) {
	cause := errors.New("Cannot get secret of a locked object")
	s := NewStore(failingKeyring{err: cause}, "secret-service")
	_, err := s.Key("dev")
	if !errors.Is(err, cause) || !strings.Contains(err.Error(), "locked; unlock it") {
		t.Fatalf("Key error %v", err)
	}
	if _, err := s.Entries(); err == nil || !strings.Contains(err.Error(), "unlock") {
		t.Fatalf("Entries error %v", err)
	}
}

func TestBackendOpenLoggedRestoresLog(t *testing.T) {
	var out bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&out)
	defer log.SetOutput(prev)
	kr, logged := openLogged(keyring.Config{AllowedBackends: []keyring.BackendType{"no-such"}})
	if kr != nil || len(logged) == 0 || !strings.Contains(logged[0], "Considering backends") {
		t.Fatalf("openLogged = %v, %q", kr, logged)
	}
	if log.Writer() != &out || keyring.Debug {
		t.Fatal("log output or keyring.Debug not restored")
	}
	log.Print("after")
	if out.String() != "after\n" && !strings.HasSuffix(out.String(), "after\n") {
		t.Fatalf("log output after openLogged: %q", out.String())
	}
	if strings.Contains(out.String(), "[keyring]") {
		t.Fatalf("library debug output leaked: %q", out.String())
	}
}

type failingKeyring struct{ err error }

func (f failingKeyring) Get(string) (keyring.Item, error) { return keyring.Item{}, f.err }
func (f failingKeyring) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, f.err
}
func (f failingKeyring) Set(keyring.Item) error  { return f.err }
func (f failingKeyring) Remove(string) error     { return f.err }
func (f failingKeyring) Keys() ([]string, error) { return nil, f.err }
