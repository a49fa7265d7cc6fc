package password_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/password"
)

// withMFAProcess gives the demo profile an mfa_process: a script that notes each run in the returned file
// and prints the device's current code (the endpoint's clock is frozen, so this is the code an authenticator
// would show while the test runs).
func withMFAProcess(t *testing.T, w *world) (runs string) {
	t.Helper()
	dir := t.TempDir()
	runs, script := filepath.Join(dir, "runs"), filepath.Join(dir, "mfa.sh")
	body := fmt.Sprintf("#!/bin/sh\necho run >> '%s'\necho %s\n", runs, w.Code())
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	e := w.Ctx.Engine
	config := fmt.Sprintf("[profile demo]\nregion = us-east-1\nmfa_serial = %s\nmfa_process = %s\n", w.Seeded.MFASerial, script)
	if err := os.WriteFile(e.Config.Path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := session.LoadConfig(e.Config.Path)
	if err != nil {
		t.Fatal(err)
	}
	e.Config = cfg
	return runs
}

// A profile with mfa_process gets its code from it, in the screen as on the command line: the screen opens
// the MFA session straight away, never asks for a typed code, and the session is good for ChangePassword
// (which the forced-MFA policy allows only with MFA).
func TestMFAProcessOpensTheSessionWithoutAskingForACode(t *testing.T) {
	w := setup(t)
	runs := withMFAProcess(t, w)
	m := password.New(w.Ctx)
	if m.Capturing() || strings.Contains(flat(m.View()), "MFA code") {
		t.Fatalf("the screen asks for a typed code although the profile's mfa_process gives it:\n%s", m.View())
	}
	cmd := m.Init()
	if cmd == nil {
		t.Fatal("Init does not open the MFA session")
	}
	w.Drive(m, cmd)
	if v := flat(m.View()); !strings.Contains(v, "Current password") || strings.Contains(v, "MFA code") {
		t.Fatalf("no form after opening the session with mfa_process:\n%s", m.View())
	}
	if out, err := os.ReadFile(runs); err != nil || string(out) != "run\n" {
		t.Fatalf("mfa_process ran %q times (%v), want once", out, err)
	}
	if n := w.Srv.Calls().Calls["GetSessionToken"]; n != 1 {
		t.Fatalf("%d GetSessionToken calls, want 1", n)
	}
	w.Press(m, w.Seeded.Password, "tab", chosen, "tab", chosen, "enter")
	if v := flat(m.View()); !strings.Contains(v, "Your console password was changed") {
		t.Fatalf("the session mfa_process opened does not change the password:\n%s", m.View())
	}
}
