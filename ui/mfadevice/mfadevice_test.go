package mfadevice_test

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/internal/screentest"
	"github.com/kagi-cli/kagi/ui/mfadevice"
	"github.com/kagi-cli/kagi/ui/onboarding"
)

func TestListMarksTheDeviceInUse(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	v := m.View()
	row := ""
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, w.Seeded.MFASerial) {
			row = l
		}
	}
	for _, want := range []string{"› * " + w.Seeded.MFASerial, "virtual", "2031-03-14"} {
		if !strings.Contains(row, want) {
			t.Errorf("device row %q lacks %q", row, want)
		}
	}
	if want := "* the device kagi uses for profile demo (mfa_serial in " + w.Ctx.Engine.Config.Path + ")."; !strings.Contains(flat(v), want) {
		t.Errorf("no %q in\n%s", want, v)
	}
	if m.Capturing() || m.Busy() {
		t.Fatal("the list asks for input or is still busy")
	}
	if n := w.Srv.Calls().Calls["GetSessionToken"]; n != 0 {
		t.Errorf("listing the devices made %d GetSessionToken calls; it needs no MFA session", n)
	}
	// The config pins the device, so replacing it (which ends in onboarding) is not offered.
	if got := enabledKeys(m); got != "d s" {
		t.Errorf("enabled keys %q, want resync and remove only", got)
	}
}

// enabledKeys lists the help keys the screen offers, sorted, for comparison.
func enabledKeys(m *mfadevice.Model) string {
	var out []string
	for _, b := range m.KeyMap().ShortHelp() {
		if b.Enabled() {
			out = append(out, b.Help().Key)
		}
	}
	return sortedJoin(out)
}

func sortedJoin(s []string) string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return strings.Join(s, " ")
}

func TestResyncCodesCheckedThenRejectedInOneSentence(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Press(m, "s")
	if v := flat(m.View()); !m.Capturing() || !m.HandlesBack() || !strings.Contains(v, "Resynchronize MFA device "+w.Seeded.MFASerial) {
		t.Fatalf("no resync form:\n%s", m.View())
	}
	w.Press(m, "12a3", "enter")
	if v := flat(m.View()); !strings.Contains(v, "✗ Enter the 6-digit code your authenticator shows now.") || !strings.Contains(v, "Code now 123") {
		t.Fatalf("a short first code (letters dropped) is not refused:\n%s", m.View())
	}
	w.Press(m, "456", "enter", "123456", "enter")
	if v := flat(m.View()); !strings.Contains(v, "✗ The second code must be the next one") {
		t.Fatalf("the same code twice is not refused:\n%s", m.View())
	}
	calls := w.Srv.Calls().Calls["ResyncMFADevice"]
	if calls != 0 {
		t.Fatalf("%d ResyncMFADevice calls before a valid pair was typed", calls)
	}
	// Two real codes of the device, but not consecutive ones: AWS refuses them; the sentence names the device.
	now, later := codeIn(w, 0), codeIn(w, 90*time.Second)
	w.Press(m, later, "shift+tab", "ctrl+u", now, "tab", "enter")
	want := "✗ Those codes are not two consecutive codes from " + w.Seeded.MFASerial + "; enter the code it shows now, then the next one after it changes, and check that its clock is right."
	if v := flat(m.View()); !strings.Contains(v, want) {
		t.Fatalf("rejected codes: want %q in\n%s", want, m.View())
	}
	if n := w.Srv.Calls().Calls["ResyncMFADevice"]; n != 1 {
		t.Fatalf("%d ResyncMFADevice calls, want 1", n)
	}
	if v := flat(m.View()); !strings.Contains(v, "Code now █6 digits") || !strings.Contains(v, "Next code 6 digits") {
		t.Fatalf("the refused codes are still in the form:\n%s", m.View())
	}
	// esc backs out to the list, where the error no longer shows.
	w.Press(m, "esc")
	if v := flat(m.View()); m.HandlesBack() || m.Capturing() || strings.Contains(v, "✗") || !strings.Contains(v, "MFA devices of alice") {
		t.Fatalf("esc did not return to the list:\n%s", m.View())
	}
}

func TestRemoveWithoutConfirmationDoesNothing(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Press(m, "d")
	v := flat(m.View())
	for _, want := range []string{
		"Deactivate and delete MFA device " + w.Seeded.MFASerial + " of alice?",
		"the account's MFA policy blocks everything except setting up MFA again",
		"y removes it, n keeps it.",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the confirmation lacks %q:\n%s", want, m.View())
		}
	}
	if !screentest.Asking(m) || !m.HandlesBack() {
		t.Fatal("the confirmation does not offer y, or esc would leave the screen")
	}
	w.Press(m, "x", "enter", "d", "n") // keys that are not y do not confirm; n cancels
	if v := flat(m.View()); screentest.Asking(m) || strings.Contains(v, "Deactivate and delete") {
		t.Fatalf("n did not cancel:\n%s", m.View())
	}
	w.Press(m, "d", "esc")
	if screentest.Asking(m) {
		t.Fatal("esc did not cancel")
	}
	if got := assigned(t, w); len(got) != 1 || got[0] != w.Seeded.MFASerial {
		t.Fatalf("devices after cancelling: %v", got)
	}
	for _, call := range []string{"DeactivateMFADevice", "DeleteVirtualMFADevice", "GetSessionToken"} {
		if n := w.Srv.Calls().Calls[call]; n != 0 {
			t.Errorf("%d %s calls without confirmation", n, call)
		}
	}
}

// Under the forced-MFA policy the removal needs the MFA session: the screen asks for the code, a wrong one
// asks again, then the device is deactivated (its delete is denied: that policy does not allow it).
func TestRemoveAsksForTheMFACode(t *testing.T) {
	w := setup(t)
	w.Expected["DeleteVirtualMFADevice:AccessDenied"] = true
	w.Expected["GetSessionToken:AccessDenied"] = true // the wrong code, on purpose
	m := open(t, w)
	w.Press(m, "d", "y")
	if v := flat(m.View()); !m.Capturing() || !strings.Contains(v, "kagi needs an MFA session to remove this device. Enter the current code of your MFA device "+w.Seeded.MFASerial) {
		t.Fatalf("no MFA code prompt:\n%s", m.View())
	}
	wrong := "000000"
	if wrong == w.Code() {
		wrong = "111111"
	}
	w.Press(m, wrong, "enter")
	if v := flat(m.View()); !m.Capturing() || !strings.Contains(v, "✗ The MFA code was not accepted") {
		t.Fatalf("a wrong code must leave the prompt with one sentence:\n%s", m.View())
	}
	if got := assigned(t, w); len(got) != 1 {
		t.Fatalf("the device went away with a wrong code: %v", got)
	}
	w.Press(m, "ctrl+u", w.Code(), "enter")
	v := flat(m.View())
	for _, want := range []string{
		"✓ Removed MFA device " + w.Seeded.MFASerial + " and 1 cached session.",
		"MFA device " + w.Seeded.MFASerial + " was deactivated, but deleting it was denied",
		"Delete mfa_serial from the profile demo uses in " + w.Ctx.Engine.Config.Path,
		"alice has no MFA device",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("after the removal: no %q in\n%s", want, m.View())
		}
	}
	if got := assigned(t, w); len(got) != 0 {
		t.Fatalf("devices after the removal: %v", got)
	}
	if _, needed := common.MFACodeNeeded(w.Ctx); !needed {
		t.Error("the MFA session of the removed device is still cached")
	}
	// The config still names the removed device: setting up a new one from here would fail, so it is not offered.
	if got := enabledKeys(m); got != "" {
		t.Errorf("keys offered after the removal: %q", got)
	}
}

// With no device known for the profile (no mfa_serial, nothing recorded), the removal records the device
// first, as 'kagi mfa remove' does, so that the MFA session is opened with it; afterwards kagi forgets it.
func TestRemoveWithNoDeviceKnown(t *testing.T) {
	w := setupUnpinned(t, false)
	w.Expected["DeleteVirtualMFADevice:AccessDenied"] = true
	m := open(t, w)
	if strings.Contains(m.View(), "* ") {
		t.Fatalf("a device is marked although kagi knows none:\n%s", m.View())
	}
	w.Press(m, "d", "y")
	if v := flat(m.View()); !m.Capturing() || !strings.Contains(v, "Enter the current code of your MFA device "+w.Seeded.MFASerial) {
		t.Fatalf("no MFA code prompt for the device:\n%s", m.View())
	}
	w.Press(m, w.Code(), "enter")
	if v := flat(m.View()); !strings.Contains(v, "✓ Removed MFA device") || strings.Contains(v, "mfa_serial") {
		t.Fatalf("not removed:\n%s", m.View())
	}
	if s := w.Ctx.Engine.RecordedSerial("demo"); s != "" {
		t.Errorf("kagi still records %s for the profile", s)
	}
	seen := w.Press(m, "n")
	if !navigatedTo(seen, common.ScreenOnboarding) {
		t.Fatalf("n does not open the set-up: %v", seen)
	}
}

func TestReplaceRemovesThenOnboardingEnrolsANewDevice(t *testing.T) {
	w := setupUnpinned(t, true)
	w.Expected["DeleteVirtualMFADevice:AccessDenied"] = true
	m := open(t, w)
	w.Press(m, "r")
	if v := flat(m.View()); !strings.Contains(v, "Replace MFA device "+w.Seeded.MFASerial+" of alice?") ||
		!strings.Contains(v, "blocks everything except setting up MFA again") {
		t.Fatalf("no replace confirmation:\n%s", m.View())
	}
	seen := w.Press(m, "y", w.Code(), "enter")
	if !navigatedTo(seen, common.ScreenOnboarding) {
		t.Fatalf("replace did not open onboarding: %v\n%s", seen, m.View())
	}
	if got := assigned(t, w); len(got) != 0 {
		t.Fatalf("devices after the removal: %v", got)
	}
	if s := w.Ctx.Engine.RecordedSerial("demo"); s != "" {
		t.Errorf("kagi still records the removed device %s", s)
	}
	// The onboarding screen can now create the new device (the old one stays unassigned: its delete was denied).
	o := onboarding.New(w.Ctx)
	w.Press(o, "enter")
	if v := flat(o.View()); !strings.Contains(v, ":mfa/alice-2") {
		t.Fatalf("onboarding after replace did not create a device:\n%s", o.View())
	}
}

func navigatedTo(msgs []tea.Msg, to common.ScreenID) bool {
	for _, msg := range msgs {
		if n, ok := msg.(common.NavigateMsg); ok && n.To == to {
			return true
		}
	}
	return false
}

// Every state fits the terminal at 80 columns and when narrowed, with no colour under the ASCII profile.
func TestLayoutFitsAndResizes(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	list := m.View()
	w.Press(m, "d")
	confirm := m.View()
	w.Press(m, "n", "s", "123456")
	resync := m.View()
	w.Press(m, "esc", "d", "y")
	prompt := m.View()
	for name, v := range map[string]string{"list": list, "confirm": confirm, "resync": resync, "prompt": prompt} {
		fits(t, v)
		if strings.Contains(v, "\x1b[") {
			t.Errorf("%s: colour codes under the ASCII profile:\n%q", name, v)
		}
	}
	w.Press(m, "esc")
	for _, width := range []int{60, 40} {
		w.Ctx.Width = width
		m.Update(tea.WindowSizeMsg{Width: width, Height: 24})
		w.Press(m, "d")
		for _, l := range strings.Split(m.View(), "\n") {
			if lw := lipgloss.Width(l); lw > width-2 {
				t.Errorf("at %d columns a line is %d wide: %q", width, lw, l)
			}
		}
		w.Press(m, "n")
	}
	// ctrl+c quits from a form (the root hands the screen ctrl+c there).
	w.Press(m, "d")
	if _, cmd := m.Update(keyMsg(tea.KeyCtrlC)); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("ctrl+c in the confirmation does not quit")
	}
}
