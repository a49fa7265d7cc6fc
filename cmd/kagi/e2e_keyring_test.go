//go:build linux

package main_test

// The cold and warm credential_process flow on each real keyring backend kagi supports on Linux: keyctl
// (the warm path's kernel keyring), file (KAGI_FILE_PASSPHRASE) and secret-service (a private D-Bus with a
// headless gnome-keyring). Afterwards no file holds a secret and everything kagi created is private.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func eeKeyring(t *testing.T, s *eeSuite) {
	for _, backend := range []string{"keyctl", "file", "secret-service"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var extra []string
			switch backend {
			case "keyctl":
				s.need(t, backend)
			case "file":
				extra = []string{"KAGI_FILE_PASSPHRASE=ee-file-passphrase"}
			case "secret-service":
				extra = []string{"DBUS_SESSION_BUS_ADDRESS=" + eeSecretService(t)}
			}
			eeKeyringFlow(t, s, backend, extra)
		})
	}
}

func eeKeyringFlow(t *testing.T, s *eeSuite, backend string, extra []string) {
	info := s.serve(t)
	w := s.world(t, info, backend, extra...)
	w.writeConfig(eeStdConfig)
	before := eeSnapshot(t, w.home)
	w.putKey()

	cold, coldRun := w.credentials(nil, "kagi-credential-process", w.admin)
	w.wantSTS("after the cold run", 1, 1)
	_, warmRun := w.credentials(nil, "kagi-credential-process", w.admin)
	if warmRun.stdout != coldRun.stdout {
		t.Fatalf("warm kagi-credential-process printed other credentials:\ncold %s\nwarm %s", coldRun.stdout, warmRun.stdout)
	}
	_, fullRun := w.credentials(nil, "kagi", "credential-process", w.admin)
	if fullRun.stdout != coldRun.stdout {
		t.Fatalf("kagi credential-process printed other credentials:\ncold %s\nnow %s", coldRun.stdout, fullRun.stdout)
	}
	w.wantSTS("after the warm runs", 1, 1)
	if n := w.mfaRunCount(); n != 1 {
		t.Fatalf("mfa_process ran %d times, want 1", n)
	}
	t.Logf("%s: cold kagi-credential-process %v, warm %v, kagi credential-process from the cache %v", backend,
		coldRun.elapsed.Round(time.Millisecond), warmRun.elapsed.Round(time.Millisecond), fullRun.elapsed.Round(time.Millisecond))

	// The keyring holds the key, the MFA session and the role session.
	if keys := w.keyProfiles(); !slices.Contains(keys, w.dev) {
		t.Errorf("profiles with a key in the %s keyring: %v, want %s", backend, keys, w.dev)
	}
	entries := strings.Split(strings.TrimSpace(w.store("entries")), "\n")
	for _, want := range []string{"session " + w.dev, "role " + w.admin} {
		if !slices.Contains(entries, want) {
			t.Errorf("cached entries in the %s keyring: %q, want %q", backend, entries, want)
		}
	}

	eeNoSecrets(t, w.home, map[string]string{
		"the long-term secret access key": info.SecretAccessKey,
		"the role session's secret key":   cold.SecretAccessKey,
		"the role session's token":        cold.SessionToken,
		"the MFA device's seed":           info.MFASecret,
	})
	created := eeCheckPrivate(t, w.home, before)
	t.Logf("%s: kagi created %q", backend, created)
	if !slices.Contains(created, "state") {
		t.Errorf("kagi created %q, want its state directory among them", created)
	}
	if backend == "file" {
		files, _ := os.ReadDir(filepath.Join(w.xdgConfig, "kagi", "keyring"))
		if len(files) != 3 {
			t.Errorf("file keyring holds %d files, want 3 (key, MFA session, role session)", len(files))
		}
	}
}

// eeSecretService starts a private session bus with a headless, unlocked gnome-keyring on it (as the
// store's integration test does) and returns the bus address; both daemons are killed at cleanup.
func eeSecretService(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"dbus-daemon", "gnome-keyring-daemon", "dbus-send"} {
		if _, err := exec.LookPath(p); err != nil {
			eeRequire(t, "%s missing (apt-get install dbus-daemon dbus-bin gnome-keyring)", p)
		}
	}
	tmp, err := os.MkdirTemp("", "kagi-ee-ss") // short: the control socket lives in here
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	if err := os.Mkdir(filepath.Join(tmp, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "XDG_DATA_HOME=" + filepath.Join(tmp, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(tmp, "config"), "XDG_RUNTIME_DIR=" + filepath.Join(tmp, "run")}
	bus := exec.Command("dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1")
	bus.Env = env
	out, err := bus.Output()
	if err != nil {
		eeRequire(t, "dbus-daemon: %v", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 {
		t.Fatalf("dbus-daemon printed %q", out)
	}
	addr := fields[0]
	pid, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatalf("dbus-daemon printed %q", out)
	}
	t.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	})
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+addr)
	gk := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	gk.Env = env
	gk.Stdin = strings.NewReader("ee-keyring-password")
	var gkOut eeBuffer
	gk.Stdout, gk.Stderr = &gkOut, &gkOut
	if err := gk.Start(); err != nil {
		eeRequire(t, "gnome-keyring-daemon: %v", err)
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
	return addr
}
