package mfadevice_test

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/kagi-cli/kagi/ui"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/mfadevice"
)

// golden compares view with testdata/<test>.golden. The flows run without mfa_serial in the config (as kagi's
// onboarding leaves it), so that no temporary path is in the view; the Update tests cover the pinned device.
func golden(t *testing.T, view string) {
	t.Helper()
	teatest.RequireEqualOutput(t, []byte(view))
}

// A phone whose clock runs five minutes fast: its codes open no session until the device is resynchronized
// with two of them, typed in the screen.
func TestResyncFlow(t *testing.T) {
	w := setupUnpinned(t, true)
	w.Expected["GetSessionToken:AccessDenied"] = true // the drifted code before the resync, on purpose
	const drift = 5 * time.Minute
	if msg := common.OpenSelfService(w.Ctx, codeIn(w, drift+2*time.Minute))().(common.SelfServiceMsg); msg.Err == nil {
		t.Fatal("a code five minutes ahead opened a session before the resync: the test proves nothing")
	}
	tm := teatest.NewTestModel(t, harness{Screen: mfadevice.New(w.Ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA devices of alice", "virtual")
	tm.Type("s")
	waitFor(t, tm, "Next code")
	tm.Type(codeIn(w, drift))
	tm.Send(enter())
	tm.Type(codeIn(w, drift+30*time.Second))
	tm.Send(enter())
	waitFor(t, tm, "Resynchronized MFA device")
	golden(t, finalView(t, tm))

	w.Srv.Clock().Advance(time.Minute)
	msg := common.OpenSelfService(w.Ctx, codeIn(w, drift))().(common.SelfServiceMsg)
	if msg.Err != nil || !msg.SS.MFA {
		t.Fatalf("the drifted phone's code still opens no MFA session after the resync: %v", msg.Err)
	}
}

// Remove under the forced-MFA policy: confirm, type the MFA code the session needs, see what happened.
func TestRemoveFlow(t *testing.T) {
	w := setupUnpinned(t, true)
	w.Expected["DeleteVirtualMFADevice:AccessDenied"] = true // the fixture policy does not allow it
	tm := teatest.NewTestModel(t, harness{Screen: mfadevice.New(w.Ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA devices of alice", "virtual")
	tm.Type("d")
	waitFor(t, tm, "n keeps it.")
	tm.Type("y")
	waitFor(t, tm, "MFA code")
	tm.Type(w.Code())
	tm.Send(enter())
	waitFor(t, tm, "Removed MFA device", "Press n to set up a new device.")
	golden(t, finalView(t, tm))
	if got := assigned(t, w); len(got) != 0 {
		t.Fatalf("devices after the removal: %v", got)
	}
	if n := w.Srv.Calls().Calls["DeactivateMFADevice"]; n != 1 {
		t.Fatalf("%d DeactivateMFADevice calls, want 1", n)
	}
}

// Replace in the whole UI: the removal ends on the onboarding screen.
func TestReplaceFlow(t *testing.T) {
	w := setupUnpinned(t, true)
	w.Expected["DeleteVirtualMFADevice:AccessDenied"] = true
	tm := teatest.NewTestModel(t, ui.New(w.Ctx, common.ScreenMFADevice), teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA devices of alice", "r replace")
	tm.Type("r")
	waitFor(t, tm, "starts the set-up")
	tm.Type("y")
	waitFor(t, tm, "MFA code")
	tm.Type(w.Code())
	tm.Send(enter())
	waitFor(t, tm, "Set up multi-factor authentication")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*ui.Model)
	if final.State() != common.ScreenOnboarding {
		t.Fatalf("replace ended on %v", final.State())
	}
	golden(t, final.View())
}

// In the whole UI: the dashboard's first menu item, "MFA device" once the user has one, opens the screen; in a form Esc returns to the list, on the
// list it returns to the dashboard; help names the right Esc.
func TestRootNavigation(t *testing.T) {
	w := setup(t)
	m := ui.New(w.Ctx, common.ScreenDashboard)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(m, m.Init())
	if !strings.Contains(m.View(), "MFA device") {
		t.Fatalf("no MFA device item:\n%s", m.View())
	}
	drive(m, press(m, tea.KeyMsg{Type: tea.KeyEnter}))
	if m.State() != common.ScreenMFADevice || !strings.Contains(m.View(), "kagi · MFA device · demo") || !strings.Contains(m.View(), "MFA devices of alice") {
		t.Fatalf("the first menu item did not open the screen (on %v):\n%s", m.State(), m.View())
	}
	drive(m, press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("d")}))
	if v := m.View(); !strings.Contains(v, "esc back to the list") || strings.Contains(v, "esc back •") {
		t.Fatalf("the confirmation's help does not name its esc:\n%s", v)
	}
	drive(m, press(m, tea.KeyMsg{Type: tea.KeyEsc}))
	if m.State() != common.ScreenMFADevice || strings.Contains(m.View(), "Deactivate and delete") {
		t.Fatalf("esc in the confirmation did not return to the list (on %v):\n%s", m.State(), m.View())
	}
	drive(m, press(m, tea.KeyMsg{Type: tea.KeyEsc}))
	if m.State() != common.ScreenDashboard {
		t.Fatalf("esc on the list did not return to the dashboard: on %v", m.State())
	}
}

// drive runs cmd and what follows from it synchronously (spinner ticks dropped), like the program would.
func drive(m tea.Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			drive(m, c)
		}
	case spinner.TickMsg, nil:
	default:
		_, next := m.Update(msg)
		drive(m, next)
	}
}

func press(m tea.Model, k tea.KeyMsg) tea.Cmd {
	_, cmd := m.Update(k)
	return cmd
}
