package onboarding_test

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/onboarding"
)

func TestCancelLeavesANoteAndTheNextAttemptReplacesTheLeftover(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := scan(t, f)
	secret := f.secret(t, firstSerial)
	d.keys("enter", "12", "esc")
	v := d.view()
	if !strings.Contains(v, "cancelled") || !strings.Contains(v, "stays in the account unassigned") {
		t.Fatalf("the leftover note is missing:\n%s", v)
	}
	if strings.Contains(v, "\n\n\n") || holds(d.screen, secret) {
		t.Fatal("the cancelled screen still holds the secret (or has a broken layout)")
	}
	if n := f.srv.Calls().Calls["DeleteVirtualMFADevice"]; n != 1 {
		t.Fatalf("DeleteVirtualMFADevice calls = %d, want 1", n)
	}
	if d.got(common.BackMsg{}) {
		t.Fatal("went back before the user read the note")
	}
	d.keys("enter")
	if !d.got(common.BackMsg{}) {
		t.Fatal("enter after the note did not go back")
	}

	again := scan(t, f)
	v = again.view()
	if !strings.Contains(v, secondSerial) || !strings.Contains(v, "was replaced") {
		t.Fatalf("the second attempt should create %s and mention the replaced device:\n%s", secondSerial, v)
	}
	again.keys("enter", f.codeFor(secondSerial), "enter")
	f.nextStep()
	again.keys(f.codeFor(secondSerial), "enter")
	f.nextStep()
	again.keys(f.codeFor(secondSerial), "enter")
	if !strings.Contains(again.view(), "MFA is set up") {
		t.Fatalf("the second attempt did not finish:\n%s", again.view())
	}
	if denied := f.deniedCalls(); len(denied) != 1 || denied["DeleteVirtualMFADevice:AccessDenied"] != 1 {
		t.Fatalf("denied calls = %v; only the cancelled attempt's delete should be denied", denied)
	}
}

func TestCtrlCCancelsTheDeviceAndQuits(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := scan(t, f)
	secret := f.secret(t, firstSerial)
	d.keys("enter", "ctrl+c")
	if !d.got(tea.QuitMsg{}) {
		t.Fatalf("ctrl+c did not quit; root messages: %#v", d.out)
	}
	if n := f.srv.Calls().Calls["DeleteVirtualMFADevice"]; n != 1 || holds(d.screen, secret) {
		t.Fatalf("ctrl+c: DeleteVirtualMFADevice calls %d, secret kept %v", n, holds(d.screen, secret))
	}
}

func TestEscAfterEnablingSkipsTheSessionButKeepsTheDevice(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := scan(t, f)
	d.keys("enter", f.codeFor(firstSerial), "enter")
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter", "esc")
	if !d.got(common.RefreshMsg{}) || !d.got(common.BackMsg{}) {
		t.Fatalf("esc at code 3: root messages %#v", d.out)
	}
	if n := f.srv.Calls().Calls["DeleteVirtualMFADevice"]; n != 0 {
		t.Fatal("esc after enabling tried to delete the enabled device")
	}
	if got := f.engine.RecordedSerial("demo"); got != firstSerial {
		t.Fatalf("the enabled device was not recorded (got %q); the next run would not know the profile has MFA", got)
	}
}

func TestHandlesBackOnlyWhileADeviceIsUnfinished(t *testing.T) {
	f := newFixture(t, 100, 50, false)
	d := newDriver(t, onboarding.New(f.ctx))
	handles := func() bool { return d.screen.(interface{ HandlesBack() bool }).HandlesBack() }
	want := func(step string, v bool) {
		t.Helper()
		if handles() != v {
			t.Fatalf("%s: HandlesBack = %v, want %v", step, !v, v)
		}
		if hasHelp(d.screen, "esc cancel set-up") != v {
			t.Fatalf("%s: help %q disagrees with HandlesBack", step, enabledHelp(d.screen))
		}
	}
	want("intro", false)
	d.keys("enter")
	want("scan", true)
	d.keys("enter", f.codeFor(firstSerial), "enter")
	want("code 2", true)
	f.nextStep()
	d.keys(f.codeFor(firstSerial), "enter")
	want("code 3", false)
}
