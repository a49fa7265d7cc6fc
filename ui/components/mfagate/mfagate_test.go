package mfagate_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/components/mfagate"
	"github.com/kagi-cli/kagi/ui/internal/screentest"
)

// drive runs cmd as bubbletea would and gives each message to the gate (spinner ticks dropped); it returns
// the gate and the messages the gate sent for its screen (OpenedMsg, FailedMsg).
func drive(g mfagate.Model, cmd tea.Cmd) (mfagate.Model, []tea.Msg) {
	if cmd == nil {
		return g, nil
	}
	var out []tea.Msg
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			var more []tea.Msg
			g, more = drive(g, c)
			out = append(out, more...)
		}
	case spinner.TickMsg, nil:
	case mfagate.OpenedMsg, mfagate.FailedMsg:
		out = append(out, msg)
	default:
		var next tea.Cmd
		g, next = g.Update(msg)
		var more []tea.Msg
		g, more = drive(g, next)
		out = append(out, more...)
	}
	return g, out
}

// press types keys into the gate and drives what they start.
func press(g mfagate.Model, keys ...string) (mfagate.Model, []tea.Msg) {
	var out []tea.Msg
	for _, k := range keys {
		for _, msg := range screentest.KeyMsgs(k) {
			var cmd tea.Cmd
			g, cmd = g.Update(msg)
			var more []tea.Msg
			g, more = drive(g, cmd)
			out = append(out, more...)
		}
	}
	return g, out
}

func opened(t *testing.T, msgs []tea.Msg) *mfagate.OpenedMsg {
	t.Helper()
	for _, msg := range msgs {
		if o, ok := msg.(mfagate.OpenedMsg); ok {
			return &o
		}
	}
	return nil
}

// With no session cached the gate asks at once (no command, no spinner), refuses a short code without a
// call, asks again with one sentence after a wrong code, and reports the session a right code opens.
func TestAsksChecksAndOpens(t *testing.T) {
	w := screentest.Setup(t)
	g := mfagate.New(w.Ctx, "to test the gate")
	if v := g.View(); v != "" || g.KeyMap.Submit.Enabled() || g.Asking() || g.Busy() {
		t.Fatalf("a new gate is not closed: %q", v)
	}
	g.Start()
	if g.Init() != nil || !g.Asking() || g.Busy() || !g.KeyMap.Submit.Enabled() {
		t.Fatal("with no session cached the gate must ask for a code, with enter enabled and no command")
	}
	if v := screentest.Flat(g.View()); !strings.Contains(v, "kagi needs an MFA session to test the gate. Enter the current code of your MFA device "+w.Seeded.MFASerial+".") {
		t.Fatalf("the prompt does not say why and for which device:\n%s", g.View())
	}
	g, out := press(g, "12a345", "enter")
	if v := screentest.Flat(g.View()); len(out) != 0 || !strings.Contains(v, "MFA code: 12345") || !strings.Contains(v, "✗ Enter the 6-digit code your authenticator shows now.") {
		t.Fatalf("a short code (the letter dropped) is not refused inline:\n%s", g.View())
	}
	if n := w.Srv.Calls().Calls["GetSessionToken"]; n != 0 {
		t.Fatalf("%d GetSessionToken calls for a short code", n)
	}
	wrong := "000000"
	if w.Code() == wrong {
		wrong = "111111"
	}
	w.Expected["GetSessionToken:AccessDenied"] = true // the wrong code, on purpose
	g, out = press(g, "ctrl+u", wrong, "enter")
	if v := screentest.Flat(g.View()); len(out) != 0 || !g.Asking() || !strings.Contains(v, "✗ The MFA code was not accepted") || !strings.Contains(v, "MFA code: █6 digits") {
		t.Fatalf("a rejected code must leave an empty prompt with one sentence:\n%s", g.View())
	}
	g, out = press(g, w.Code(), "enter")
	o := opened(t, out)
	if o == nil || o.SS == nil || !o.SS.MFA || o.SS.Profile != "demo" {
		t.Fatalf("the right code did not report an MFA session: %#v", out)
	}
	if g.Asking() || g.KeyMap.Submit.Enabled() {
		t.Fatal("the open gate still offers enter")
	}
	if v := screentest.Flat(g.View()); !strings.Contains(v, "Opening your MFA session") {
		t.Fatalf("until the screen moves on, the gate shows it is opening:\n%s", g.View())
	}

	// The session is cached now: the next gate opens it without asking.
	again := mfagate.New(w.Ctx, "to test the gate")
	again.Start()
	cmd := again.Init()
	if cmd == nil || again.Asking() || !again.Busy() {
		t.Fatal("with the session cached the gate asks for a code")
	}
	if _, out := drive(again, cmd); opened(t, out) == nil {
		t.Fatalf("the cached session was not reported: %#v", out)
	}
	if n := w.Srv.Calls().Calls["GetSessionToken"]; n != 2 {
		t.Fatalf("%d GetSessionToken calls, want 2 (the wrong code, the right one)", n)
	}
}

// A failure with no typed code (here: a profile kagi has no key for) is the screen's to show: asking for a
// code would not help.
func TestFailureWithoutTypedCodeIsReported(t *testing.T) {
	w := screentest.Setup(t)
	c := *w.Ctx
	c.Profile = "nobody"
	g := mfagate.New(&c, "to test the gate")
	g.Start()
	g, out := drive(g, g.Init())
	if len(out) != 1 {
		t.Fatalf("want one FailedMsg, got %#v", out)
	}
	f, ok := out[0].(mfagate.FailedMsg)
	if !ok || f.Err == nil || g.Asking() || g.Busy() {
		t.Fatalf("want FailedMsg, got %#v (asking %v)", out[0], g.Asking())
	}
	if v := g.View(); !strings.Contains(v, "✗ ") {
		t.Fatalf("the failed gate does not show why:\n%s", v)
	}
}

// Ask names the device a screen's own call needs a code of; Reset drops the typed digits and closes the gate.
func TestAskAndReset(t *testing.T) {
	w := screentest.Setup(t)
	g := mfagate.New(w.Ctx, "to remove it")
	g.Ask("arn:aws:iam::000000000000:mfa/other")
	g, _ = press(g, "123")
	if v := screentest.Flat(g.View()); g.Serial() != "arn:aws:iam::000000000000:mfa/other" || !strings.Contains(v, "device arn:aws:iam::000000000000:mfa/other.") || !strings.Contains(v, "MFA code: 123") {
		t.Fatalf("Ask does not prompt for the device:\n%s", g.View())
	}
	g.Reset()
	if g.Asking() || g.KeyMap.Submit.Enabled() || g.View() != "" {
		t.Fatal("Reset left the gate asking")
	}
	g.Ask(g.Serial())
	if v := g.View(); strings.Contains(v, "123") {
		t.Fatalf("the digits typed before Reset came back:\n%s", v)
	}
	// Messages the gate does not expect change nothing.
	g, cmd := g.Update(common.SelfServiceMsg{Err: common.ErrMFACodeNeeded, Serial: "x"})
	if cmd != nil || g.Serial() == "x" || !g.Asking() {
		t.Fatal("a SelfServiceMsg while asking changed the gate")
	}
}
