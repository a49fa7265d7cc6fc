// Package dashboard is the home screen: identity, MFA status, role sessions and a checklist, each panel
// filling in as its load returns (in parallel, the first frame without waiting), and a menu of the screens.
package dashboard

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
)

// item is one entry of the menu.
type item struct {
	screen common.ScreenID
	label  string
}

// menu lists the screens in the order a new user needs them.
var menu = [...]item{
	{common.ScreenOnboarding, "Set up MFA"},
	{common.ScreenRoles, "Roles and sessions"},
	{common.ScreenPassword, "Change password"},
	{common.ScreenAccessKeys, "Access keys"},
	{common.ScreenGitCredentials, "Git credentials"},
}

// entry is menu item i as shown: once the user has an MFA device, the first item manages it (resync, remove,
// replace) instead of setting one up.
func (m *Model) entry(i int) item {
	it := menu[i]
	if it.screen == common.ScreenOnboarding && m.id != nil && len(m.id.MFADevices) > 0 {
		return item{common.ScreenMFADevice, "MFA device"}
	}
	return it
}

// Model is the dashboard.
type Model struct {
	c       *common.Context
	wired   func(common.ScreenID) bool
	keys    keyMap
	spinner spinner.Model
	cursor  int

	idLoading    bool
	id           *awsx.Identity
	idMFA        bool // the identity calls carried MFA
	idErr        error
	localLoading bool
	local        *localInfo
	localErr     error
	checks       []awsx.Check
	redirected   bool // sent a new user to onboarding once already
}

var _ common.Screen = (*Model)(nil)

// New returns the dashboard; wired reports which screens this build can open (the others are shown
// disabled).
func New(c *common.Context, wired func(common.ScreenID) bool) *Model {
	m := &Model{c: c, wired: wired, keys: newKeyMap(), spinner: spinner.New(spinner.WithSpinner(spinner.Dot))}
	m.cursor = m.firstEnabled()
	return m
}

// Init starts every panel's load at once.
func (m *Model) Init() tea.Cmd { return m.reload() }

func (m *Model) reload() tea.Cmd {
	m.idLoading, m.localLoading = true, true
	return tea.Batch(loadIdentity(m.c), loadLocal(m.c), m.spinner.Tick)
}

// Title implements common.Screen.
func (m *Model) Title() string { return "Dashboard" }

// KeyMap implements common.Screen.
func (m *Model) KeyMap() help.KeyMap { return m.active() }

// Busy implements common.Screen: loads are reads, nothing to protect.
func (m *Model) Busy() bool { return false }

// Capturing implements common.Screen.
func (m *Model) Capturing() bool { return false }

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case identityMsg:
		m.idLoading, m.id, m.idMFA, m.idErr = false, msg.id, msg.mfa, msg.err
		m.checks = checklist(m.id, m.local)
		return m, m.newUser()
	case localMsg:
		m.localLoading, m.localErr = false, msg.err
		if msg.err == nil {
			m.local = &msg.info
		}
		m.checks = checklist(m.id, m.local)
		return m, nil
	case common.RefreshMsg:
		return m, m.reload()
	case spinner.TickMsg:
		if !m.loading() {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.active()
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = m.step(-1)
	case key.Matches(msg, k.Down):
		m.cursor = m.step(+1)
	case key.Matches(msg, k.Open):
		to := m.entry(m.cursor).screen
		return func() tea.Msg { return common.NavigateMsg{To: to} }
	case key.Matches(msg, k.Refresh):
		return m.reload()
	case key.Matches(msg, k.Quit):
		return tea.Quit
	}
	return nil
}

// newUser: an IAM user without an MFA device goes to onboarding once (when this build has it); otherwise
// the menu's MFA item is selected and the view explains why.
func (m *Model) newUser() tea.Cmd {
	if !m.needsMFA() {
		return nil
	}
	if m.itemEnabled(0) {
		m.cursor = 0
	}
	if m.redirected || !m.wired(common.ScreenOnboarding) {
		return nil
	}
	m.redirected = true
	return func() tea.Msg { return common.NavigateMsg{To: common.ScreenOnboarding} }
}

// needsMFA: the identity is an IAM user with no MFA device.
func (m *Model) needsMFA() bool {
	return m.id != nil && m.id.UserName != "" && len(m.id.MFADevices) == 0
}

func (m *Model) loading() bool { return m.idLoading || m.localLoading }

func (m *Model) itemEnabled(i int) bool {
	return i >= 0 && i < len(menu) && m.wired != nil && m.wired(m.entry(i).screen)
}

func (m *Model) enabledItems() []int {
	var out []int
	for i := range menu {
		if m.itemEnabled(i) {
			out = append(out, i)
		}
	}
	return out
}

func (m *Model) firstEnabled() int {
	if e := m.enabledItems(); len(e) > 0 {
		return e[0]
	}
	return 0
}

// step moves the cursor to the next enabled item in direction d, wrapping around.
func (m *Model) step(d int) int {
	for i, n := m.cursor, 0; n < len(menu); n++ {
		i = (i + d + len(menu)) % len(menu)
		if m.itemEnabled(i) {
			return i
		}
	}
	return m.cursor
}
