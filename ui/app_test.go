package ui_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/ui"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/internal/screentest"
)

// world is an onboarded user on the embedded endpoint (screentest's account, as profile dev with two role
// profiles), with a temporary AWS config and an in-memory keyring. The endpoint's clock stays put, and the
// UI and the engine read it, so times left are stable.
type world struct {
	srv    *localaws.Server
	seeded *localaws.Seeded
	ctx    *common.Context
	st     *screentest.World // Expected lists the AWS errors a test provokes on purpose
}

const worldConfig = `[profile dev]
region = us-east-1
mfa_serial = %[1]s

[profile admin]
source_profile = dev
role_arn = %[2]s

[profile operator]
source_profile = dev
role_arn = %[3]s
`

func newWorld(t *testing.T) *world {
	t.Helper()
	w := screentest.SetupWith(t, screentest.Options{Profile: "dev", Clock: time.Now().Truncate(30 * time.Second).Add(5 * time.Second),
		Config: func(s *localaws.Seeded) string {
			return fmt.Sprintf(worldConfig, s.MFASerial, s.Roles["iam-role-admin"], s.Roles["iam-role-operator"])
		}})
	w.Ctx.Width, w.Ctx.Height = 0, 0 // the root learns its size from the terminal
	return &world{srv: w.Srv, seeded: w.Seeded, ctx: w.Ctx, st: w}
}

func (w *world) code() string { return localaws.CodeAt(w.seeded.MFASecret, w.srv.Clock().Now()) }

// denied counts AccessDenied answers of the endpoint.
func (w *world) denied() int {
	n := 0
	for k, v := range w.srv.Calls().Errors {
		if strings.HasSuffix(k, ":AccessDenied") {
			n += v
		}
	}
	return n
}

func waitFor(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, s := range texts {
			if !bytes.Contains(b, []byte(s)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func finalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
}

func TestDashboardFlow(t *testing.T) {
	w := newWorld(t)
	tm := teatest.NewTestModel(t, ui.New(w.ctx, common.ScreenDashboard), teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "user/alice", "Role profiles: 2")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	view := finalView(t, tm)
	teatest.RequireEqualOutput(t, []byte(view))
	if n := lipgloss.Height(view); n != 24 {
		t.Errorf("view is %d lines high, want 24", n)
	}
	if n := w.denied(); n != 0 {
		t.Errorf("the dashboard caused %d AccessDenied answers: %v", n, w.srv.Calls().Errors)
	}
	if n := w.srv.Calls().Calls["GetSessionToken"]; n != 0 {
		t.Errorf("the dashboard opened an MFA session (%d GetSessionToken) without being asked", n)
	}
}

func TestRolesAssumeFlow(t *testing.T) {
	w := newWorld(t)
	tm := teatest.NewTestModel(t, ui.New(w.ctx, common.ScreenRoles), teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "operator")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "MFA code for admin")
	tm.Type(w.code())
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor(t, tm, "role session ready")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	teatest.RequireEqualOutput(t, []byte(finalView(t, tm)))
	calls := w.srv.Calls()
	if calls.Calls["GetSessionToken"] != 1 || calls.Calls["AssumeRole"] != 1 || len(calls.Errors) != 0 {
		t.Errorf("calls %v errors %v; want one GetSessionToken, one AssumeRole, no error", calls.Calls, calls.Errors)
	}
	// The role session is cached: assuming again needs neither a code nor STS.
	res, err := w.ctx.Engine.Credentials(t.Context(), "admin")
	if err != nil || !res.FromCache {
		t.Fatalf("after the flow: %+v %v", res, err)
	}
}

// drive runs cmd as the program would, feeding its messages back into m, except timers (spinner ticks) and
// quitting; BatchMsg fans out.
func drive(m *ui.Model, cmd tea.Cmd, depth int) {
	if cmd == nil || depth > 10 {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			drive(m, c, depth+1)
		}
	case nil, spinner.TickMsg, tea.QuitMsg:
	default:
		_, next := m.Update(msg)
		drive(m, next, depth+1)
	}
}

func press(m *ui.Model, k tea.KeyMsg) tea.Cmd {
	_, cmd := m.Update(k)
	return cmd
}

var (
	keyEsc   = tea.KeyMsg{Type: tea.KeyEsc}
	keyEnter = tea.KeyMsg{Type: tea.KeyEnter}
	keyHelp  = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")}
)

func typeText(m *ui.Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func TestRootNavigationAndKeys(t *testing.T) {
	w := newWorld(t)
	m := ui.New(w.ctx, common.ScreenDashboard)
	drive(m, m.Init(), 0)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if w.ctx.Width != 80 || w.ctx.Height != 22 || lipgloss.Height(m.View()) != 24 {
		t.Fatalf("size: ctx %dx%d, view %d lines", w.ctx.Width, w.ctx.Height, lipgloss.Height(m.View()))
	}

	// '?' toggles the full help, which alone lists ctrl+c.
	if strings.Contains(m.View(), "ctrl+c") {
		t.Fatal("short help lists ctrl+c")
	}
	press(m, keyHelp)
	if !strings.Contains(m.View(), "ctrl+c") {
		t.Fatalf("'?' did not open the full help:\n%s", m.View())
	}
	press(m, keyHelp)

	// Every screen is wired: navigation reaches it and Esc returns to the dashboard.
	for _, id := range []common.ScreenID{common.ScreenPassword, common.ScreenAccessKeys, common.ScreenGitCredentials} {
		drive(m, func() tea.Msg { return common.NavigateMsg{To: id} }, 0)
		if m.State() != id {
			t.Fatalf("navigate to %v: on %v", id, m.State())
		}
		if press(m, keyEsc); m.State() != common.ScreenDashboard {
			t.Fatalf("esc on %v: on %v", id, m.State())
		}
	}
	drive(m, func() tea.Msg { return common.NavigateMsg{To: common.ScreenRoles} }, 0)
	if m.State() != common.ScreenRoles || !strings.Contains(m.View(), "kagi · Roles · dev") {
		t.Fatalf("not on roles:\n%s", m.View())
	}

	// Esc is ignored while a call is in flight, and goes back otherwise.
	assume := press(m, keyEnter)
	if press(m, keyEsc); m.State() != common.ScreenRoles {
		t.Fatal("esc left a busy screen")
	}
	drive(m, assume, 0) // the engine needs a code: the input opens
	if !strings.Contains(m.View(), "MFA code for admin") {
		t.Fatalf("no code input:\n%s", m.View())
	}
	press(m, keyHelp) // typed into the input, not the help toggle
	if strings.Contains(m.View(), "ctrl+c") {
		t.Fatal("'?' toggled help while the code input had focus")
	}
	drive(m, press(m, keyEsc), 0)
	if m.State() != common.ScreenDashboard || !strings.Contains(m.View(), "kagi · Dashboard") {
		t.Fatalf("esc did not go back:\n%s", m.View())
	}

	// ctrl+c quits from anywhere; ExecMsg becomes a command that suspends the UI.
	if cmd := press(m, tea.KeyMsg{Type: tea.KeyCtrlC}); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("ctrl+c did not quit")
	}
	if _, cmd := m.Update(common.ExecMsg{Argv: []string{"true"}}); cmd == nil {
		t.Fatal("ExecMsg was not executed")
	}
	if n := w.denied(); n != 0 {
		t.Errorf("%d AccessDenied answers: %v", n, w.srv.Calls().Errors)
	}
}

func TestRolesRejectedCodeAsksAgain(t *testing.T) {
	w := newWorld(t)
	w.st.Expected["GetSessionToken:AccessDenied"] = true // the wrong code
	m := ui.New(w.ctx, common.ScreenRoles)
	drive(m, m.Init(), 0)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(m, press(m, keyEnter), 0)
	wrong := "000000"
	if w.code() == wrong {
		wrong = "111111"
	}
	typeText(m, "12ab") // letters are not part of a code
	if !strings.Contains(m.View(), "MFA code: 12") || strings.Contains(m.View(), "12ab") {
		t.Fatalf("code input took letters:\n%s", m.View())
	}
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	typeText(m, wrong)
	drive(m, press(m, keyEnter), 0)
	view := m.View()
	if !strings.Contains(view, "✗ The MFA code was not accepted") || !strings.Contains(view, "MFA code for admin") {
		t.Fatalf("after a wrong code:\n%s", view)
	}
	typeText(m, w.code())
	drive(m, press(m, keyEnter), 0)
	if view := m.View(); !strings.Contains(view, "admin: role session ready, 1h00m left") || strings.Contains(view, "✗") {
		t.Fatalf("after the right code:\n%s", view)
	}

	// 's' prepares a subshell with the role session for the root to run (not run here).
	exec, ok := findMsg[common.ExecMsg](press(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")}))
	if !ok || len(exec.Argv) == 0 || !slices.Contains(exec.Env, "KAGI_PROFILE=admin") || !slices.ContainsFunc(exec.Env, func(kv string) bool {
		return strings.HasPrefix(kv, "AWS_SESSION_TOKEN=")
	}) {
		t.Fatalf("'s' gave %+v", exec.Argv)
	}
	// The shell's own exit status is not an error of kagi's.
	m.Update(common.ExecDoneMsg{Err: exitError(t)})
	if strings.Contains(m.View(), "✗") {
		t.Fatalf("a shell exiting non-zero shows an error:\n%s", m.View())
	}
}

// findMsg runs cmd (and batches, skipping timers) and returns the first message of type T.
func findMsg[T any](cmd tea.Cmd) (T, bool) {
	var zero T
	if cmd == nil {
		return zero, false
	}
	switch msg := cmd().(type) {
	case T:
		return msg, true
	case tea.BatchMsg:
		for _, c := range msg {
			if v, ok := findMsg[T](c); ok {
				return v, true
			}
		}
	}
	return zero, false
}

func exitError(t *testing.T) error {
	t.Helper()
	err := exec.Command("sh", "-c", "exit 3").Run()
	if err == nil {
		t.Fatal("sh exited 0")
	}
	return err
}
