//go:build linux

package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// eeSessionsInKeyctl: kagi's default on Linux. With the long-term key in the file keyring, the cached
// sessions go to the kernel keyring, so a warm kagi-credential-process answers without the file keyring's
// passphrase and without starting kagi, and the file keyring holds only the key. KAGI_SESSION_CACHE=backend
// keeps them in the file keyring as before. `kagi list` and `kagi clear` see the sessions where they are.
func eeSessionsInKeyctl(t *testing.T, s *eeSuite) {
	s.need(t, "keyctl")
	w := s.world(t, s.serve(t), "file", "KAGI_FILE_PASSPHRASE=ee-split-passphrase", "KAGI_SESSION_CACHE") // the default
	t.Cleanup(func() {                                                                                    // the kernel keyring outlives the test: remove this world's sessions, and only those
		for _, p := range []string{w.admin, w.dev} {
			w.run(nil, "kagi", "clear", p)
		}
	})
	w.writeConfig(eeStdConfig)
	w.putKey()
	keyring := filepath.Join(w.xdgConfig, "kagi", "keyring")
	files := func() []string {
		entries, _ := os.ReadDir(keyring)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}

	if r := w.run(nil, "kagi-credential-process", w.admin); r.code != 0 {
		t.Fatalf("cold run: %s", r)
	}
	w.wantSTS("after the cold run", 1, 1)
	if f := files(); len(f) != 1 || !strings.Contains(f[0], "key") {
		t.Fatalf("the file keyring holds %q; want only the long-term key (sessions in the kernel keyring)", f)
	}
	// Warm: no passphrase, and a kagi that must not start.
	r := w.run([]string{"KAGI_FILE_PASSPHRASE", "KAGI_BIN=/bin/false"}, "kagi-credential-process", w.admin)
	if r.code != 0 || !strings.Contains(r.stdout, `"SessionToken"`) {
		t.Fatalf("warm run without the passphrase or kagi: %s", r)
	}
	w.wantSTS("after the warm run", 1, 1)
	if r := w.run(nil, "kagi", "list"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, w.admin) {
		t.Fatalf("kagi list: %s", r)
	}
	if r := w.run(nil, "kagi", "doctor", w.dev); !strings.Contains(r.stdout, "Cached sessions go to the kernel keyring (keyctl), which works too.") {
		t.Fatalf("kagi doctor does not check the kernel keyring that holds the sessions:\n%s", r)
	}
	if r := w.run(nil, "kagi", "clear", w.admin); r.code != 0 || !strings.Contains(r.stderr, "Removed 1 cached session") {
		t.Fatalf("kagi clear %s: %s", w.admin, r)
	}
	if r := w.run([]string{"KAGI_BIN=/bin/false"}, "kagi-credential-process", w.admin); r.code == 0 {
		t.Fatalf("after kagi clear the warm path still answered: %s", r)
	}

	// KAGI_SESSION_CACHE=backend: sessions in the file keyring, as before.
	b := s.world(t, s.serve(t), "file", "KAGI_FILE_PASSPHRASE=ee-split-passphrase")
	b.writeConfig(eeStdConfig)
	b.putKey()
	if r := b.run(nil, "kagi-credential-process", b.admin); r.code != 0 {
		t.Fatalf("cold run with KAGI_SESSION_CACHE=backend: %s", r)
	}
	entries, _ := os.ReadDir(filepath.Join(b.xdgConfig, "kagi", "keyring"))
	if len(entries) != 3 {
		t.Fatalf("with KAGI_SESSION_CACHE=backend the file keyring holds %d items, want 3 (key, MFA session, role)", len(entries))
	}
}
