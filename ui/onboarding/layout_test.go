package onboarding_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/onboarding"
)

func TestAtEightyByTwentyFourTheKeyReplacesTheQRCode(t *testing.T) {
	f := newFixture(t, 80, 24, false)
	d := scan(t, f)
	v := d.view()
	grouped := (&awsx.Enrollment{Secret: f.secret(t, firstSerial)}).GroupedSecret()
	if strings.Contains(v, "█") || !strings.Contains(v, "too small for the QR code") {
		t.Fatalf("at 80×24 the view should explain that the QR code does not fit:\n%s", v)
	}
	for _, line := range strings.SplitAfterN(grouped, " ", 2)[:1] {
		if !strings.Contains(v, strings.TrimSpace(line)) {
			t.Fatalf("the grouped key is missing:\n%s", v)
		}
	}
	if n := strings.Count(v, "\n") + 1; n > f.ctx.Height {
		t.Fatalf("the scan view is %d lines; the root leaves it %d of a 24-line terminal", n, f.ctx.Height)
	}
	for _, line := range strings.Split(v, "\n") {
		if w := len([]rune(line)); w > 78 {
			t.Fatalf("line wider than 78 columns (%d): %q", w, line)
		}
	}
	if hasHelp(d.screen, "s show key") {
		t.Fatal("'s' is offered although the key is already on screen")
	}
	f.ctx.Width, f.ctx.Height = 120, bodyHeight(60) // the user enlarges the terminal
	if v := d.view(); !strings.Contains(v, "█") || !hasHelp(d.screen, "s show key") {
		t.Fatalf("after enlarging, the QR code and 's' should appear:\n%s", v)
	}
}

// Every step must fit the space the root leaves in an 80×24 terminal, in the busiest case: demo panel on,
// a replaced leftover device, the key shown and an inline error.
func TestEveryStepFitsEightyByTwentyFour(t *testing.T) {
	f := newFixture(t, 80, 24, true)
	first := scan(t, f)
	first.keys("esc", "enter") // leaves alice unassigned: the next attempt replaces it

	d := newDriver(t, onboarding.New(f.ctx))
	check := func(step string) {
		t.Helper()
		v := d.view()
		if n := strings.Count(v, "\n") + 1; n > f.ctx.Height {
			t.Errorf("%s: %d lines, the root leaves %d:\n%s", step, n, f.ctx.Height, v)
		}
		for _, line := range strings.Split(v, "\n") {
			if w := lipgloss.Width(line); w > f.ctx.Width {
				t.Errorf("%s: a line is %d columns wide: %q", step, w, line)
			}
		}
	}
	check("intro")
	d.keys("enter")
	if !strings.Contains(d.view(), "was replaced") || !strings.Contains(d.view(), "DEMO AUTHENTICATOR") {
		t.Fatalf("expected the busiest scan view:\n%s", d.view())
	}
	check("scan")
	d.keys("enter", "s")
	check("code 1 with the key")
	d.keys("111111", "enter", "222222", "enter")
	if v := d.view(); !strings.Contains(v, "✗") || !strings.Contains(v, "too small") {
		t.Fatalf("expected an inline error under the key:\n%s", v)
	}
	check("code 1 with the key and an error")
	d.keys(f.codeFor(secondSerial), "enter")
	f.nextStep()
	d.keys(f.codeFor(secondSerial), "enter")
	check("code 3")
	f.nextStep()
	d.keys(f.codeFor(secondSerial), "enter")
	check("done")
}
