package session_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

// These tests use the real keyring backends. Each skips when its backend is unavailable here, and fails
// instead when CI=true, so CI proves every backend it provides.

func requireBackend(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("required in CI: "+format, args...)
	}
	tb.Skipf(format, args...)
}

// uniqueProfile includes ':' and '%' so that the escaping reaches the real backend too.
func uniqueProfile(prefix string) string {
	return fmt.Sprintf("kagi-it-%s:%d%%%d", prefix, os.Getpid(), time.Now().UnixNano())
}

var itKey = session.LongTermKey{AccessKeyID: "AKIAINTEGRATIONTEST1", SecretAccessKey: "LongTermSecret/IntegrationTest+0123456789"}

func itEntry() warm.Entry {
	return warm.Entry{
		AccessKeyID: "ASIAINTEGRATIONTEST1", SecretAccessKey: "SessionSecret/IntegrationTest+0123456789",
		SessionToken: "SessionToken/" + strings.Repeat("x", 600), Expires: time.Now().Add(time.Hour).Truncate(time.Second).UTC(),
		Stamp: "/home/u/.aws/config|10|20", Fingerprint: "arn:aws:iam::123456789012:role/it",
	}
}

// roundTrip stores a key and an entry for profile, reads both back and removes them at cleanup.
func roundTrip(t *testing.T, s *session.Store, profile string) warm.Entry {
	t.Helper()
	t.Cleanup(func() {
		_, _ = s.RemoveEntries(profile)
		_ = s.RemoveKey(profile)
	})
	e := itEntry()
	if err := s.PutKey(profile, itKey); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	if k, err := s.Key(profile); err != nil || k != itKey {
		t.Fatalf("Key = %+v, %v", k, err)
	}
	older := e
	older.Expires = e.Expires.Add(-10 * time.Minute)
	if err := s.PutEntry(warm.KindRole, profile, older); err != nil {
		t.Fatalf("PutEntry: %v", err)
	}
	if err := s.PutEntry(warm.KindRole, profile, e); err != nil {
		t.Fatalf("PutEntry: %v", err)
	}
	got, found, err := s.Entry(warm.KindRole, profile, time.Now().Add(5*time.Minute))
	if err != nil || !found || got != e {
		t.Fatalf("Entry = %+v, %v, %v; want %+v", got, found, err, e)
	}
	entries, err := s.Entries()
	n := 0
	for _, info := range entries {
		if info.Profile == profile {
			n++
		}
	}
	if err != nil || n != 1 {
		t.Fatalf("%d entries of %q after PutEntry (%v), want 1: the older one removed", n, profile, err)
	}
	if profiles, err := s.KeyProfiles(); err != nil || !slices.Contains(profiles, profile) {
		t.Fatalf("KeyProfiles = %q, %v", profiles, err)
	}
	return e
}

func keyctlCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("keyctl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("keyctl %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func openKeyctl(tb testing.TB) *session.Store {
	tb.Helper()
	s, err := session.OpenStore(session.StoreOptions{Backend: "keyctl", Env: func(string) string { return "" }})
	if err != nil {
		requireBackend(tb, "keyctl backend unavailable: %v", err)
	}
	return s
}

func TestKeyringKeyctl(t *testing.T) {
	s := openKeyctl(t)
	if _, err := exec.LookPath("keyctl"); err != nil {
		requireBackend(t, "the keyctl program is missing (apt-get install keyutils)")
	}
	profile := uniqueProfile("keyctl")
	e := roundTrip(t, s, profile)

	// The raw layout the warm path relies on: a "kagi" keyring in the user keyring holding "user" keys
	// named by warm.ItemName with the encoded entry as data, readable from another session.
	ring := keyctlCLI(t, "search", "@u", "keyring", session.ServiceName)
	if d := keyctlCLI(t, "rdescribe", ring); !strings.HasPrefix(d, "keyring;") || !strings.Contains(d, ";3f3f0000;") {
		t.Fatalf("kagi keyring: %s", d)
	}
	name := warm.ItemName(warm.KindRole, profile, e.Expires)
	id := keyctlCLI(t, "search", ring, "user", name)
	if d := keyctlCLI(t, "rdescribe", id); d != fmt.Sprintf("user;%d;%d;3f3f0000;%s", os.Getuid(), os.Getgid(), name) {
		t.Fatalf("item: %s", d)
	}
	printed := keyctlCLI(t, "print", id)
	if h, ok := strings.CutPrefix(printed, ":hex:"); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		printed = string(b)
	}
	want, _ := e.Encode()
	if strings.TrimSpace(printed) != strings.TrimSpace(string(want)) {
		t.Fatalf("keyctl print = %q, want %q", printed, want)
	}
	// A fresh session (as the warm path started by the AWS CLI has) finds and reads it too.
	out, err := exec.Command("keyctl", "session", "-", "keyctl", "pipe", id).Output()
	if err != nil || !bytes.Equal(out, want) {
		t.Fatalf("read from a new session: %v, %q", err, out)
	}
	// Cleanup leaves nothing of this profile.
	if n, err := s.RemoveEntries(profile); err != nil || n != 1 {
		t.Fatalf("RemoveEntries = %d, %v", n, err)
	}
	if err := s.RemoveKey(profile); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("keyctl", "search", ring, "user", name).CombinedOutput(); err == nil {
		t.Fatalf("item still there after RemoveEntries: %s", out)
	}
}

func openFile(tb testing.TB, dir string) *session.Store {
	tb.Helper()
	s, err := session.OpenStore(session.StoreOptions{
		Backend: "file", FileDir: dir, Env: func(string) string { return "" },
		Passphrase: func(string) (string, error) { return "kagi-test-passphrase", nil },
	})
	if err != nil {
		tb.Fatalf("file backend: %v", err)
	}
	return s
}

func TestKeyringFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keyring")
	s := openFile(t, dir)
	profile := uniqueProfile("file")
	e := roundTrip(t, s, profile)
	// A file whose mode was widened is narrowed again when kagi rewrites it.
	keyFile := ""
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		// The store maps ':' to %3A for the file backend, which writes '%' as %25.
		if err == nil && strings.Contains(d.Name(), "%253Akey%253A") {
			keyFile = p
		}
		return nil
	})
	if keyFile == "" {
		t.Fatal("no key file written")
	}
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.PutKey(profile, itKey); err != nil {
		t.Fatal(err)
	}
	secrets := []string{itKey.SecretAccessKey, e.SecretAccessKey, e.SessionToken, e.AccessKeyID}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("dir %s mode %v (%v), want 0700", dir, info.Mode().Perm(), err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Fatalf("%d files, want 2 (key and entry)", len(files))
	}
	for _, f := range files {
		info, _ := f.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f.Name(), info.Mode().Perm())
		}
		data, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		for _, sec := range secrets {
			if bytes.Contains(data, []byte(sec)) {
				t.Errorf("%s contains a secret in plaintext", f.Name())
			}
		}
	}
}

// The secret-service backend registers itself in an init() only if a D-Bus session bus answered at
// process start, so the test starts a private bus with gnome-keyring and re-runs itself there.
const ssChildEnv = "KAGI_IT_SECRET_SERVICE_CHILD"

func TestKeyringSecretService(t *testing.T) {
	if os.Getenv(ssChildEnv) == "1" {
		secretServiceChild(t)
		return
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" && !hasBackend("secret-service") {
		_, err := session.OpenStore(session.StoreOptions{Backend: "secret-service", Env: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), "no D-Bus session bus") {
			t.Errorf("secret-service without a bus: %v", err)
		}
	}
	for _, p := range []string{"dbus-daemon", "gnome-keyring-daemon", "dbus-send"} {
		if _, err := exec.LookPath(p); err != nil {
			requireBackend(t, "%s missing (apt-get install dbus-daemon dbus-bin gnome-keyring)", p)
		}
	}
	env := startSecretService(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringSecretService$", "-test.v", "-test.count=1")
	cmd.Env = append(env, ssChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("secret-service child: %v", err)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestKeyringSecretService")) {
		t.Fatal("secret-service child did not pass")
	}
}

func hasBackend(name string) bool {
	for _, b := range keyring.AvailableBackends() {
		if string(b) == name {
			return true
		}
	}
	return false
}

// startSecretService starts a private session bus and an unlocked gnome-keyring "login" collection on it,
// with HOME and XDG dirs in a temporary directory, and returns the environment for a child process.
func startSecretService(t *testing.T) []string {
	t.Helper()
	tmp, err := os.MkdirTemp("", "kagi-ss") // short: the control socket lives in here
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	if err := os.Mkdir(filepath.Join(tmp, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+tmp, "XDG_DATA_HOME="+filepath.Join(tmp, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "XDG_RUNTIME_DIR="+filepath.Join(tmp, "run"))
	bus := exec.Command("dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1")
	bus.Env = env
	out, err := bus.Output()
	if err != nil {
		requireBackend(t, "dbus-daemon: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) < 2 {
		t.Fatalf("dbus-daemon printed %q", out)
	}
	addr := lines[0]
	if pid, err := strconv.Atoi(lines[1]); err == nil {
		t.Cleanup(func() {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		})
	}
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+addr)
	gk := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	gk.Env = env
	gk.Stdin = strings.NewReader("kagi-test")
	var gkOut bytes.Buffer
	gk.Stdout, gk.Stderr = &gkOut, &gkOut
	if err := gk.Start(); err != nil {
		requireBackend(t, "gnome-keyring-daemon: %v", err)
	}
	t.Cleanup(func() { _ = gk.Process.Kill(); _ = gk.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		q := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		q.Env = env
		if r, err := q.Output(); err == nil && bytes.Contains(r, []byte("boolean true")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gnome-keyring did not appear on the bus: %s", gkOut.String())
		}
	}
	return env
}

func secretServiceChild(t *testing.T) {
	s, err := session.OpenStore(session.StoreOptions{Env: os.Getenv}) // default on Linux with a bus
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	if s.Backend() != "secret-service" {
		t.Fatalf("default backend with a bus = %q", s.Backend())
	}
	profile := uniqueProfile("ss")
	roundTrip(t, s, profile)
	for _, op := range []string{"Entry", "Key"} {
		r := testing.Benchmark(func(b *testing.B) { benchStore(b, s, op) })
		t.Logf("BenchmarkStoreEntry/secret-service/%s: %s", op, r)
	}

	// A locked collection: reading a secret fails with a sentence that says to unlock it.
	if err := s.PutEntry(warm.KindSession, profile, itEntry()); err != nil {
		t.Fatal(err)
	}
	lock := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
		"org.freedesktop.Secret.Service.Lock", "array:objpath:/org/freedesktop/secrets/collection/login")
	if out, err := lock.CombinedOutput(); err != nil {
		t.Fatalf("lock: %v %s", err, out)
	}
	done := make(chan error, 1)
	go func() { _, _, err := s.Entry(warm.KindSession, profile, time.Now()); done <- err }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Entry hangs on a locked collection")
	}
	if err == nil || !strings.Contains(err.Error(), "locked; unlock it") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("locked collection error: %v", err)
	}
	t.Logf("locked: %v", err)
}

// benchStore measures op on s: "Entry" (list names + one Get + decode) or "Key" (one Get + JSON).
func benchStore(b *testing.B, s *session.Store, op string) {
	profile := uniqueProfile("bench")
	b.Cleanup(func() { _, _ = s.RemoveEntries(profile); _ = s.RemoveKey(profile) })
	if err := s.PutEntry(warm.KindRole, profile, itEntry()); err != nil {
		b.Fatal(err)
	}
	if err := s.PutKey(profile, itKey); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if op == "Key" {
			if _, err := s.Key(profile); err != nil {
				b.Fatalf("Key: %v", err)
			}
		} else if _, found, err := s.Entry(warm.KindRole, profile, time.Now()); err != nil || !found {
			b.Fatalf("Entry: %v %v", found, err)
		}
	}
}

func BenchmarkStoreEntry(b *testing.B) {
	open := map[string]func(b *testing.B) *session.Store{
		"array":  func(*testing.B) *session.Store { return session.NewStore(keyring.NewArrayKeyring(nil), "array") },
		"keyctl": func(b *testing.B) *session.Store { return openKeyctl(b) },
		"file":   func(b *testing.B) *session.Store { return openFile(b, b.TempDir()) },
		"secret-service": func(b *testing.B) *session.Store {
			if !hasBackend("secret-service") {
				b.Skip("no session bus at start; TestKeyringSecretService -v logs this benchmark on a private bus")
			}
			s, err := session.OpenStore(session.StoreOptions{Backend: "secret-service", Env: os.Getenv})
			if err != nil {
				b.Skip(err)
			}
			return s
		},
	}
	for _, backend := range []string{"array", "keyctl", "file", "secret-service"} {
		b.Run(backend, func(b *testing.B) {
			s := open[backend](b)
			for _, op := range []string{"Entry", "Key"} {
				b.Run(op, func(b *testing.B) { benchStore(b, s, op) })
			}
		})
	}
}
