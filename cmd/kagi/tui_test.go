package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session/warm"
	"github.com/kagi-cli/kagi/ui"
	"github.com/kagi-cli/kagi/ui/common"
)

func TestTUINeedsATerminal(t *testing.T) {
	for _, args := range [][]string{nil, {"demo"}} {
		r := cliRun(t, context.Background(), nil, args...)
		if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "kagi: kagi's terminal UI needs a terminal; use ") {
			t.Errorf("kagi %v without a terminal: %+v", args, r)
		}
	}
}

// emptyDirs creates one empty directory per name under a fresh temporary directory.
func emptyDirs(t *testing.T, names ...string) map[string]string {
	t.Helper()
	root, out := t.TempDir(), map[string]string{}
	for _, n := range names {
		out[n] = filepath.Join(root, n)
		if err := os.Mkdir(out[n], 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func assertEmpty(t *testing.T, what, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s (%s) is not empty: %v", what, dir, names)
	}
}

// `kagi demo`'s world keeps everything under its temporary directory, removes it on Close, and its user can
// assume admin through the roles screen once onboarded, with the demo authenticator's code shown.
func TestDemoWorld(t *testing.T) {
	dirs := emptyDirs(t, "home", "config", "state", "cache", "tmp")
	t.Setenv("HOME", dirs["home"])
	t.Setenv("XDG_CONFIG_HOME", dirs["config"])
	t.Setenv("XDG_STATE_HOME", dirs["state"])
	t.Setenv("XDG_CACHE_HOME", dirs["cache"])
	t.Setenv("XDG_RUNTIME_DIR", dirs["cache"])
	t.Setenv("TMPDIR", dirs["tmp"])
	for _, k := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "KAGI_STATE_DIR", "KAGI_KEYRING_BACKEND", "KAGI_FILE_PASSPHRASE"} {
		t.Setenv(k, "")
	}

	w, err := newDemoWorld(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.Dir, dirs["tmp"]+string(filepath.Separator)) {
		t.Fatalf("world directory %s is not in TMPDIR", w.Dir)
	}
	// A frozen clock keeps the authenticator's code the same while the test reads and types it. Not earlier
	// than now: the seeded key is usable from its creation.
	w.Server.Clock().Set(time.Now().Add(time.Second))
	// Onboarding, as the onboarding screen would leave it: a device enabled and recorded for the profile.
	serial, _, err := w.Server.EnableVirtualMFAFor(localaws.DemoUserName)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Engine.RecordSerial(demoProfile, serial); err != nil {
		t.Fatal(err)
	}

	lipgloss.SetColorProfile(termenv.Ascii)
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	c := w.Context(common.NewStyles(r))
	tm := teatest.NewTestModel(t, ui.New(c, common.ScreenRoles), teatest.WithInitialTermSize(80, 24))
	wait := func(texts ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, s := range texts {
				if !bytes.Contains(b, []byte(s)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("admin", "operator", "DEMO")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	code := w.Code(serial)
	wait("MFA code for admin", "demo authenticator: "+code)
	tm.Type(code)
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	wait("admin: role session ready")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	entries, err := w.Engine.Store.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var cached bool
	for _, e := range entries {
		cached = cached || (e.Kind == warm.KindRole && e.Profile == "admin")
	}
	if !cached {
		t.Errorf("no admin role session in the demo keyring: %+v", entries)
	}
	if errs := w.Server.Calls().Errors; len(errs) != 0 {
		t.Errorf("endpoint errors: %v", errs)
	}

	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.Dir); !os.IsNotExist(err) {
		t.Errorf("world directory left behind: %v", err)
	}
	for _, n := range []string{"home", "config", "state", "cache", "tmp"} {
		assertEmpty(t, n, dirs[n])
	}
}
