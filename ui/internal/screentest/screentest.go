// Package screentest is the shared harness of the self-service screens' tests: an onboarded demo account on
// the embedded endpoint, a kagi engine over it, and helpers that drive a screen's Update loop.
package screentest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// Frozen is the endpoint's time in every test: fixed, so views and goldens do not depend on the day.
var Frozen = time.Date(2031, 3, 14, 9, 0, 5, 0, time.UTC)

// World is one test's account: localaws over HTTP with the onboarded scenario, and a kagi engine whose
// profile "demo" holds the seeded key in an in-memory keyring.
type World struct {
	T        *testing.T
	Expected map[string]bool // "Action:Code" errors a test provokes on purpose
	run      runner
	Srv      *localaws.Server
	Seeded   *localaws.Seeded
	Cfg      awsx.Config
	Ctx      *common.Context
}

// Options change the account Setup builds; the zero value is Setup's.
type Options struct {
	Scenario string                          // localaws scenario (default: onboarded)
	Profile  string                          // the source profile holding the seeded key (default "demo")
	Config   func(s *localaws.Seeded) string // the AWS config file (default: Profile with the seeded device)
	Clock    time.Time                       // the endpoint's clock, which stays put (default Frozen)
}

// Setup builds a World for t; it fails t on any AccessDenied the test did not expect.
func Setup(t *testing.T) *World { return SetupWith(t, Options{}) }

// SetupWith builds a World for t as o says; it fails t on any AccessDenied the test did not expect.
func SetupWith(t *testing.T, o Options) *World {
	t.Helper()
	if o.Scenario == "" {
		o.Scenario = localaws.ScenarioOnboarded
	}
	if o.Profile == "" {
		o.Profile = "demo"
	}
	if o.Config == nil {
		o.Config = func(s *localaws.Seeded) string {
			return fmt.Sprintf("[profile %s]\nregion = us-east-1\nmfa_serial = %s\n", o.Profile, s.MFASerial)
		}
	}
	if o.Clock.IsZero() {
		o.Clock = Frozen
	}
	lipgloss.SetColorProfile(termenv.Ascii)
	srv := localaws.New(localaws.Options{})
	srv.Clock().Set(o.Clock)
	seeded, err := srv.Seed(o.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte(o.Config(seeded)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"KAGI_STATE_DIR": filepath.Join(dir, "state")}
	cfg := awsx.Config{Profile: o.Profile, Region: "us-east-1", IAMEndpoint: url, STSEndpoint: url, RetryMaxAttempts: 1}
	store := session.NewStore(keyring.NewArrayKeyring(nil), "array")
	eng, err := session.Open(session.Options{Env: func(k string) string { return env[k] }, AWS: cfg, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	eng.Now = srv.Clock().Now
	if err := store.PutKey(o.Profile, session.LongTermKey{AccessKeyID: seeded.AccessKeyID, SecretAccessKey: seeded.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	w := &World{T: t, Expected: map[string]bool{}, run: runner{msgs: make(chan tea.Msg, 64)}, Srv: srv, Seeded: seeded, Cfg: cfg, Ctx: &common.Context{
		Profile: o.Profile, Engine: eng, AWS: cfg, Styles: common.NewStyles(r), Now: srv.Clock().Now, Width: 80, Height: 24,
	}}
	t.Cleanup(w.NoUnexpectedErrors)
	return w
}

// Code is the MFA device's current code.
func (w *World) Code() string { return localaws.CodeAt(w.Seeded.MFASecret, w.Srv.Clock().Now()) }

// NoUnexpectedErrors fails the test on any AccessDenied answer: every call the screen makes is allowed with MFA.
func (w *World) NoUnexpectedErrors() {
	for k, n := range w.Srv.Calls().Errors {
		if strings.Contains(k, "AccessDenied") && !w.Expected[k] {
			w.T.Errorf("%d × %s", n, k)
		}
	}
}

// runner plays bubbletea's command loop for direct Update tests: each command runs in a goroutine, its
// message comes back to the test goroutine, which gives it to the screen. Spinner ticks are dropped.
type runner struct {
	msgs    chan tea.Msg
	pending int
}

// Drive runs cmd and feeds the messages to s until no command is left or the screen waits for a y/n answer
// (a command may then be blocked on that answer; the next press goes on). It returns the messages seen.
func (w *World) Drive(s common.Screen, cmd tea.Cmd) []tea.Msg {
	w.T.Helper()
	r := &w.run
	start := func(c tea.Cmd) {
		if c != nil {
			r.pending++
			go func() { r.msgs <- c() }()
		}
	}
	start(cmd)
	var seen []tea.Msg
	for r.pending > 0 {
		var msg tea.Msg
		select {
		case msg = <-r.msgs:
			r.pending--
		case <-time.After(30 * time.Second):
			w.T.Fatalf("no message for 30 s with %d commands running", r.pending)
		}
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				start(c)
			}
		case spinner.TickMsg, nil:
		default:
			seen = append(seen, msg)
			_, next := s.Update(msg)
			start(next)
			if Asking(s) {
				return seen
			}
		}
	}
	return seen
}

// Asking reports whether the screen offers y (a confirmation).
func Asking(s common.Screen) bool {
	for _, b := range s.KeyMap().ShortHelp() {
		if b.Enabled() && slices.Contains(b.Keys(), "y") {
			return true
		}
	}
	return false
}

// Press sends keys to the screen and drives what they start: each string is typed rune by rune, except the
// named keys below.
func (w *World) Press(s common.Screen, keys ...string) []tea.Msg {
	w.T.Helper()
	var seen []tea.Msg
	for _, k := range keys {
		for _, msg := range KeyMsgs(k) {
			_, cmd := s.Update(msg)
			seen = append(seen, w.Drive(s, cmd)...)
		}
	}
	return seen
}

var named = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "esc": tea.KeyEsc, "up": tea.KeyUp,
	"down": tea.KeyDown, "backspace": tea.KeyBackspace, "ctrl+g": tea.KeyCtrlG, "ctrl+r": tea.KeyCtrlR,
	"ctrl+u": tea.KeyCtrlU,
}

func KeyMsgs(k string) []tea.Msg {
	if t, ok := named[k]; ok {
		return []tea.Msg{tea.KeyMsg{Type: t}}
	}
	var out []tea.Msg
	for _, r := range k {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return out
}

// Harness plays the root for teatest: it forwards messages to the screen and, like the root, turns Esc on an
// idle screen into BackMsg, which it gives the screen before quitting.
type Harness struct{ Screen common.Screen }

func (h Harness) Init() tea.Cmd { return h.Screen.Init() }

func (h Harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyEsc && !h.Screen.Busy() {
		msg = common.BackMsg{}
	}
	s, cmd := h.Screen.Update(msg)
	h.Screen = s
	if _, ok := msg.(common.BackMsg); ok {
		return h, tea.Quit
	}
	return h, cmd
}

func (h Harness) View() string { return h.Screen.View() }

// WaitFor waits until the program's output since the last wait shows every string of want (one wait for
// all: a wait consumes the output it reads).
func WaitFor(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// FinalView quits the program and returns the screen's last view.
func FinalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	Fits(t, view)
	return view
}

// Fits fails unless view fits an 80×24 terminal under the root's header and help (a column of margin each
// side, four rows for the root).
func Fits(t *testing.T, view string) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > 20 {
		t.Errorf("the view has %d lines; at 80×24 only 20 are free", len(lines))
	}
	for _, l := range lines {
		if w := lipgloss.Width(l); w > 78 {
			t.Errorf("a line is %d columns wide, more than 78: %q", w, l)
		}
	}
}

func Enter() tea.Msg { return tea.KeyMsg{Type: tea.KeyEnter} }

// Flat is a view with its wrapping undone (newlines and runs of spaces as one space), for substring checks.
func Flat(view string) string { return strings.Join(strings.Fields(view), " ") }
