package mfagate_test

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/components/mfagate"
	"github.com/kagi-cli/kagi/ui/internal/screentest"
)

// TestDemoAuthenticatorShown: in `kagi demo` the code prompt shows the demo authenticator's current code, as
// onboarding and the roles screen do, so the demo can be finished without a phone. The read loop follows the
// clock while the field is open and stops when it closes; an old loop's reading is ignored.
func TestDemoAuthenticatorShown(t *testing.T) {
	w := screentest.Setup(t)
	c := *w.Ctx
	reads := 0
	c.Demo = &common.Demo{Code: func(serial string) string {
		reads++
		if serial != "arn:aws:iam::000000000000:mfa/alice" {
			return ""
		}
		return "246810"
	}}
	g := mfagate.New(&c, "to test the gate")
	cmd := g.Ask("arn:aws:iam::000000000000:mfa/alice")
	if cmd == nil {
		t.Fatal("Ask in the demo returned no command to read the demo authenticator")
	}
	first := cmd().(common.DemoCodeMsg)
	var next tea.Cmd
	g, next = g.Update(first)
	if v := screentest.Flat(g.View()); !strings.Contains(v, "demo authenticator: 246810") {
		t.Fatalf("the prompt does not show the demo code:\n%s", v)
	}
	if next == nil {
		t.Fatal("no next reading scheduled while the field is open")
	}

	// A new question starts a new loop; a reading of the old one is dropped and schedules nothing.
	again := g.Ask("arn:aws:iam::000000000000:mfa/alice")
	if g2, stale := g.Update(first); stale != nil || !strings.Contains(screentest.Flat(g2.View()), "MFA code") {
		t.Fatalf("an old loop's reading was taken (next %v)", stale != nil)
	}
	g, _ = g.Update(again().(common.DemoCodeMsg))

	// Typing a code closes the field: the loop stops.
	g, _ = press(g, "1", "2", "3", "4", "5", "6")
	g, _ = g.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if _, after := g.Update(common.DemoCodeMsg{Gen: 2, Code: "135790"}); after != nil {
		t.Fatal("the demo loop went on after the field closed")
	}
	if reads != 2 {
		t.Fatalf("the demo authenticator was read %d times, want 2", reads)
	}

	// Outside the demo there is nothing to read.
	plain := mfagate.New(w.Ctx, "to test the gate")
	if cmd := plain.Ask("arn:aws:iam::000000000000:mfa/alice"); cmd != nil {
		t.Fatal("Ask outside the demo returned a command")
	}
}
