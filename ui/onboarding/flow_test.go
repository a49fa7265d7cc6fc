package onboarding_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/onboarding"
)

func TestMain(m *testing.M) {
	// Components that use the default renderer (the spinner) must not emit colours into goldens either.
	lipgloss.SetColorProfile(termenv.Ascii)
	// No goroutine may outlive the tests (a program not quit, an endpoint not closed, a ticker left running).
	// teatest.NewTestModel's SIGINT watcher (teatest.go:147) is never stopped when a program ends normally;
	// nothing can end it, so it alone is ignored. The goroutine running the program (func1) is still checked.
	//
	// bubbletea runs each command in a goroutine it does not wait for when a program quits (tea.go: "we'll
	// have to leak the goroutine until Cmd returns"); the demo authenticator's refresh is a 1-second tea.Tick.
	// goleak's own retries give up after about half a second, so the check waits up to 3 s for such
	// goroutines to end before it fails, instead of ignoring them.
	code := m.Run()
	if code == 0 {
		ignore := goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2")
		err := goleak.Find(ignore)
		for deadline := time.Now().Add(3 * time.Second); err != nil && time.Now().Before(deadline); err = goleak.Find(ignore) {
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// host stands in for the root (ui.Model): it owns the terminal size and leaves on BackMsg.
type host struct {
	ctx       *common.Context
	screen    common.Screen
	refreshed bool
}

func (h *host) Init() tea.Cmd { return h.screen.Init() }

func (h *host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		h.ctx.Width, h.ctx.Height = msg.Width, bodyHeight(msg.Height)
		return h, nil
	case common.RefreshMsg:
		h.refreshed = true
		return h, nil
	case common.BackMsg:
		return h, tea.Quit
	}
	var cmd tea.Cmd
	h.screen, cmd = h.screen.Update(msg)
	return h, cmd
}

func (h *host) View() string { return h.screen.View() }

// TestFlow runs the whole set-up in a real Bubble Tea program against the embedded endpoint, at a roomy
// terminal (QR code, demo authenticator) and at 80×24 (grouped key). The golden is the final view: it holds
// no secret, so it is the same on every run.
func TestFlow(t *testing.T) {
	for _, c := range []struct {
		w, h int
		demo bool
		scan string
	}{
		{100, 50, true, "DEMO AUTHENTICATOR (demo only)"},
		{80, 24, false, "too small for the QR code"},
	} {
		t.Run(fmt.Sprintf("%dx%d", c.w, c.h), func(t *testing.T) {
			f := newFixture(t, 0, 0, c.demo)
			h := &host{ctx: f.ctx, screen: onboarding.New(f.ctx)}
			tm := teatest.NewTestModel(t, h, teatest.WithInitialTermSize(c.w, c.h))
			waitFor := func(s string) {
				t.Helper()
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
					teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
			}
			enter := func() { tm.Send(tea.KeyMsg{Type: tea.KeyEnter}) }

			waitFor("Press enter to start")
			enter()
			waitFor(c.scan)
			enter()
			waitFor("Code 2")
			tm.Type(f.codeFor(firstSerial))
			enter()
			waitFor("› Code 2")
			f.nextStep()
			tm.Type(f.codeFor(firstSerial))
			enter()
			waitFor("One more code to start your session")
			f.nextStep()
			tm.Type(f.codeFor(firstSerial))
			enter()
			waitFor("MFA is set up")
			enter()

			final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*host)
			if !final.refreshed {
				t.Error("the dashboard was not told to refresh")
			}
			if denied := f.deniedCalls(); len(denied) != 0 {
				t.Errorf("denied calls during the flow: %v", denied)
			}
			golden.RequireEqual(t, []byte(final.View()))
		})
	}
}
