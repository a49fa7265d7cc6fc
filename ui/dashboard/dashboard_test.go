package dashboard_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/kagi-cli/kagi/awsx/localaws"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/dashboard"
	"github.com/kagi-cli/kagi/ui/internal/screentest"
)

// newUser is the demo's first-login account (no MFA device, forced-MFA policy) with a temporary config and
// an in-memory keyring.
func newUser(t *testing.T) (*localaws.Server, *common.Context) {
	t.Helper()
	w := screentest.SetupWith(t, screentest.Options{Scenario: localaws.ScenarioNewUser, Profile: "dev",
		Clock: time.Now().Truncate(30 * time.Second).Add(5 * time.Second),
		Config: func(s *localaws.Seeded) string {
			return fmt.Sprintf("[profile dev]\nregion = us-east-1\n\n[profile admin]\nsource_profile = dev\nrole_arn = %s\n", s.Roles["iam-role-admin"])
		}})
	w.Ctx.Width, w.Ctx.Height = 0, 0 // the host gives the screen its size
	return w.Srv, w.Ctx
}

// host runs a screen as a program, as the root would (without its header and footer).
type host struct {
	c *common.Context
	s common.Screen
}

func (h host) Init() tea.Cmd { return h.s.Init() }
func (h host) View() string  { return h.s.View() }
func (h host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if size, ok := msg.(tea.WindowSizeMsg); ok {
		h.c.Width, h.c.Height = size.Width, size.Height-2
	}
	var cmd tea.Cmd
	h.s, cmd = h.s.Update(msg)
	return h, cmd
}

func only(ids ...common.ScreenID) func(common.ScreenID) bool {
	return func(id common.ScreenID) bool {
		for _, x := range ids {
			if x == id {
				return true
			}
		}
		return false
	}
}

// Without onboarding in the build, a new user sees the MFA item highlighted and why; no call is denied.
func TestNewUserWithoutOnboarding(t *testing.T) {
	srv, c := newUser(t)
	m := dashboard.New(c, only(common.ScreenDashboard, common.ScreenRoles))
	tm := teatest.NewTestModel(t, host{c: c, s: m}, teatest.WithInitialTermSize(80, 22))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("start here")) && bytes.Contains(b, []byte("Role profiles"))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	teatest.RequireEqualOutput(t, []byte(view))
	if !strings.Contains(view, "MFA set-up is not in this build yet") {
		t.Errorf("no explanation:\n%s", view)
	}
	if errs := srv.Calls().Errors; len(errs) != 0 {
		t.Errorf("the dashboard caused errors before MFA: %v", errs)
	}
}

// With onboarding in the build, a new user is sent there once.
func TestNewUserGoesToOnboardingOnce(t *testing.T) {
	_, c := newUser(t)
	var m common.Screen = dashboard.New(c, only(common.ScreenDashboard, common.ScreenRoles, common.ScreenOnboarding))
	var navigated []common.ScreenID
	var run func(cmd tea.Cmd)
	run = func(cmd tea.Cmd) {
		if cmd == nil {
			return
		}
		switch msg := cmd().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				run(c)
			}
		case common.NavigateMsg:
			navigated = append(navigated, msg.To)
		case nil, spinner.TickMsg:
		default:
			var next tea.Cmd
			m, next = m.Update(msg)
			run(next)
		}
	}
	run(m.Init())
	run(func() tea.Msg { return common.RefreshMsg{} })
	if len(navigated) != 1 || navigated[0] != common.ScreenOnboarding {
		t.Fatalf("navigations %v, want onboarding once", navigated)
	}
}
