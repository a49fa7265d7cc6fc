package password_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/password"
)

const chosen = "Correct-Horse-42!battery"

// open starts the screen, types the MFA code and waits for the form.
func open(t *testing.T, w *world) *password.Model {
	t.Helper()
	m := password.New(w.Ctx)
	if cmd := m.Init(); cmd != nil {
		t.Fatal("Init ran a command although no MFA session is cached: it would prompt")
	}
	if !strings.Contains(flat(m.View()), "MFA code") || !m.Capturing() {
		t.Fatalf("the screen does not ask for the MFA code:\n%s", m.View())
	}
	w.Press(m, w.Code(), "enter")
	if v := m.View(); !strings.Contains(flat(v), "Current password") || !strings.Contains(flat(v), "at least 14 characters") {
		t.Fatalf("no form after the code:\n%s", v)
	}
	return m
}

// changePassword changes the password outside the screen, with the screen's cached MFA session.
func changePassword(w *world, old, next string) error {
	ss, err := w.Ctx.Engine.SelfService(context.Background(), "demo")
	if err == nil && !ss.MFA {
		err = errors.New("no MFA session")
	}
	if err != nil {
		return err
	}
	return awsx.ChangePassword(context.Background(), w.Ctx.IAM(ss).IAM(), old, next)
}

func TestChangePasswordTyped(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Press(m, w.Seeded.Password, "tab", "abc")
	v := m.View()
	for _, want := range []string{"✗ at least 14 characters", "✓ a lowercase letter", "✗ an uppercase letter", "✗ both entries match"} {
		if !strings.Contains(flat(v), want) {
			t.Errorf("rules after typing 'abc': missing %q in\n%s", want, v)
		}
	}
	w.Press(m, "ctrl+u", chosen, "enter", chosen)
	if v := m.View(); strings.Contains(flat(v), "✗") {
		t.Fatalf("a rule still fails for %q:\n%s", chosen, v)
	}
	seen := w.Press(m, "enter")
	if v := m.View(); !strings.Contains(flat(v), "Your console password was changed") {
		t.Fatalf("no success message:\n%s", v)
	}
	if !hasMsg[common.RefreshMsg](seen) {
		t.Error("no RefreshMsg after the change: the dashboard would show stale data")
	}
	// The change really happened: the old password no longer works, the new one does.
	var pe *awsx.PasswordError
	if err := changePassword(w, w.Seeded.Password, "Another-Pass-77!word"); !errors.As(err, &pe) || pe.Problem != awsx.PasswordWrongCurrent {
		t.Fatalf("changing back with the old password: %v, want the wrong-current-password refusal", err)
	}
	if err := changePassword(w, chosen, "Another-Pass-77!word"); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
}

func hasMsg[T any](msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(T); ok {
			return true
		}
	}
	return false
}

func TestGeneratedPasswordRevealedOnceAndDroppedOnLeave(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Press(m, "ctrl+g")
	if v := m.View(); strings.Contains(v, "Generated password:") || strings.Contains(v, "✗") || !strings.Contains(flat(v), "ctrl+r shows it") {
		t.Fatalf("after ctrl+g the password must meet every rule and stay hidden:\n%s", v)
	}
	w.Press(m, "ctrl+r")
	shown := regexp.MustCompile(`Generated password: (\S+)`).FindStringSubmatch(m.View())
	if shown == nil || len(shown[1]) < 20 {
		t.Fatalf("ctrl+r does not reveal it:\n%s", m.View())
	}
	generated := shown[1]
	if m.KeyMap().ShortHelp()[4].Enabled() {
		t.Error("reveal is still offered after revealing")
	}
	m.Update(common.BackMsg{})
	if s := fmt.Sprintf("%+v", *m); strings.Contains(s, generated) || strings.Contains(flat(m.View()), generated) {
		t.Fatal("the generated password is still in the model after leaving")
	}
	if strings.Contains(flat(m.View()), "**") {
		t.Fatalf("fields still hold text after leaving:\n%s", m.View())
	}
}

func TestChangePasswordErrorsInline(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	w.Press(m, "enter", "enter", "enter")
	if v := m.View(); !strings.Contains(flat(v), "✗ Enter your current password") {
		t.Fatalf("empty form submitted without a local error:\n%s", v)
	}
	w.Press(m, "wrong-password", "tab", chosen, "tab", chosen+"x", "enter")
	if v := m.View(); !strings.Contains(flat(v), "✗ The two new passwords differ") {
		t.Fatalf("mismatch not reported:\n%s", v)
	}
	w.Press(m, "backspace", "enter")
	if m.Busy() {
		t.Fatal("busy after the reply")
	}
	if v := m.View(); !strings.Contains(flat(v), "✗ The current password is wrong; enter the password you sign in to the AWS console with.") {
		t.Fatalf("wrong current password not explained in one sentence:\n%s", v)
	}
	// Reuse: the current password as the new one is caught before AWS; an old one AWS refuses.
	w.Press(m, w.Seeded.Password, "tab", "ctrl+u", w.Seeded.Password, "tab", "ctrl+u", w.Seeded.Password, "enter")
	if v := m.View(); !strings.Contains(flat(v), "✗ The new password is the same as the current one") {
		t.Fatalf("same password not refused:\n%s", v)
	}
	w.Srv.InjectFault("ChangePassword", localaws.Fault{Code: "EntityTemporarilyUnmodifiable", Status: 409, Message: "locked", Times: 1})
	w.Press(m, "ctrl+u", chosen, "tab", "ctrl+u", chosen, "enter")
	if v := m.View(); !strings.Contains(flat(v), "wait a minute and try again") {
		t.Fatalf("temporarily unmodifiable not explained:\n%s", v)
	}
	w.Srv.InjectFault("ChangePassword", localaws.Fault{Code: "LimitExceeded", Status: 409, Message: "Too many failed password change attempts", Times: 1})
	w.Press(m, "tab", "enter") // the failed change left the focus on the new password
	if v := m.View(); !strings.Contains(flat(v), "✗ There were too many attempts to change the password") {
		t.Fatalf("the attempt limit not explained:\n%s", v)
	}
}

func TestReusedPasswordRefused(t *testing.T) {
	w := setup(t)
	m := open(t, w)
	if err := changePassword(w, w.Seeded.Password, chosen); err != nil {
		t.Fatal(err)
	}
	w.Press(m, chosen, "tab", w.Seeded.Password, "tab", w.Seeded.Password, "enter")
	if v := m.View(); !strings.Contains(flat(v), "✗ The new password is one of your recent passwords") {
		t.Fatalf("reuse not explained:\n%s", v)
	}
}

func TestWrongMFACodeAsksAgain(t *testing.T) {
	w := setup(t)
	m := password.New(w.Ctx)
	w.Press(m, "12345", "enter")
	if v := m.View(); !strings.Contains(flat(v), "✗ Enter the 6-digit code") {
		t.Fatalf("short code not refused:\n%s", v)
	}
	wrong := "000000"
	if w.Code() == wrong {
		wrong = "111111"
	}
	w.Expected["GetSessionToken:AccessDenied"] = true // the wrong code, on purpose
	w.Press(m, "ctrl+u", wrong, "enter")
	if v := m.View(); !strings.Contains(flat(v), "MFA code") || !strings.Contains(flat(v), "✗ The MFA code was not accepted") {
		t.Fatalf("a rejected code must leave the prompt with one sentence:\n%s", v)
	}
	w.Press(m, w.Code(), "enter")
	if !strings.Contains(flat(m.View()), "Current password") {
		t.Fatalf("the right code does not open the form:\n%s", m.View())
	}
	// The session is cached now: a second visit needs no code.
	again := password.New(w.Ctx)
	if cmd := again.Init(); cmd == nil || again.Capturing() {
		t.Fatal("a second visit asks for a code although the MFA session is cached")
	}
}

// The form as the user types: rules tick, the confirmation mismatches, everything masked.
func TestPasswordFormFlow(t *testing.T) {
	w := setup(t)
	tm := teatest.NewTestModel(t, harness{Screen: password.New(w.Ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA code")
	tm.Type(w.Code())
	tm.Send(enter())
	waitFor(t, tm, "Current password")
	tm.Type(w.Seeded.Password)
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("Short-1")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	tm.Type("Short-2")
	waitFor(t, tm, "Repeat it         *******")
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
}

// Generate, submit, success; then leaving drops every password.
func TestPasswordChangeFlow(t *testing.T) {
	w := setup(t)
	tm := teatest.NewTestModel(t, harness{Screen: password.New(w.Ctx)}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "MFA code")
	tm.Type(w.Code())
	tm.Send(enter())
	waitFor(t, tm, "Current password")
	tm.Type(w.Seeded.Password)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlG})
	waitFor(t, tm, "ctrl+r shows it")
	tm.Send(enter())
	tm.Send(enter())
	tm.Send(enter())
	waitFor(t, tm, "password was changed")
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
	if err := changePassword(w, w.Seeded.Password, "Another-Pass-77!word"); err == nil {
		t.Fatal("the old password still works after the change")
	}
}
