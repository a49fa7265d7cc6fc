// Package ui is kagi's terminal UI: a root model that owns the header, the footer help and navigation, and
// one screen at a time (package per screen under ui/). The dashboard stays alive underneath the others so
// that its panels keep filling in and return instantly on Esc.
package ui

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kagi-cli/kagi/ui/common"
)

// chrome is the lines the root draws around a screen: the header and a one-line footer.
const chrome = 2

// Model is the root model. state names the screen shown; dash is the dashboard, kept across navigation.
type Model struct {
	c      *common.Context
	state  common.ScreenID
	screen common.Screen
	dash   common.Screen
	help   help.Model
	keys   common.GlobalKeys
	height int // of the terminal
}

// New returns the root model showing start (the dashboard if this build has no such screen). It gives
// c.Engine the UI's MFA token source, so that no engine call made under the UI prompts on the terminal.
func New(c *common.Context, start common.ScreenID) *Model {
	if c.Engine != nil {
		common.UseTokens(c.Engine)
	}
	dash, _ := newScreen(c, common.ScreenDashboard)
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = c.Styles.Subtitle, c.Styles.Subtitle
	h.Styles.ShortDesc, h.Styles.FullDesc = c.Styles.Help, c.Styles.Help
	h.Styles.ShortSeparator, h.Styles.FullSeparator, h.Styles.Ellipsis = c.Styles.Muted, c.Styles.Muted, c.Styles.Muted
	m := &Model{c: c, state: common.ScreenDashboard, screen: dash, dash: dash, help: h, keys: common.NewGlobalKeys()}
	if s, ok := newScreen(c, start); ok && start != common.ScreenDashboard {
		m.state, m.screen = start, s
	}
	return m
}

// Run shows the UI on the terminal until the user quits or ctx ends. It draws on stderr (stdout stays
// clean for data) in the alternate screen.
func Run(ctx context.Context, c *common.Context, start common.ScreenID) error {
	p := tea.NewProgram(New(c, start), tea.WithOutput(os.Stderr), tea.WithAltScreen(), tea.WithContext(ctx))
	_, err := p.Run()
	return err
}

// State is the screen shown.
func (m *Model) State() common.ScreenID { return m.state }

// Init loads the dashboard (also when starting elsewhere) and the first screen.
func (m *Model) Init() tea.Cmd {
	if m.screen == m.dash {
		return m.dash.Init()
	}
	return tea.Batch(m.dash.Init(), m.screen.Init())
}

// Update handles the global keys and navigation; everything else goes to the screens.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.height = msg.Height
		m.c.Width, m.c.Height = msg.Width, max(msg.Height-chrome, 0)
		m.help.Width = msg.Width
		return m, m.broadcast(msg)
	case tea.KeyMsg:
		return m, m.key(msg)
	case common.NavigateMsg:
		return m, m.navigate(msg.To)
	case common.BackMsg:
		return m, m.navigate(common.ScreenDashboard)
	case common.RefreshMsg:
		var cmd tea.Cmd
		m.dash, cmd = m.dash.Update(msg)
		if m.state == common.ScreenDashboard {
			m.screen = m.dash
		}
		return m, cmd
	case common.ExecMsg:
		return m, execute(msg)
	}
	return m, m.broadcast(msg)
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	// A screen holding something to undo (onboarding: a created, not yet enabled MFA device) handles Esc
	// and Ctrl+C itself, so it can clean up before leaving.
	if b, ok := m.screen.(interface{ HandlesBack() bool }); ok && b.HandlesBack() &&
		(key.Matches(msg, m.keys.Quit) || key.Matches(msg, m.keys.Back)) {
		var cmd tea.Cmd
		m.screen, cmd = m.screen.Update(msg)
		m.syncDash()
		return cmd
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return tea.Quit
	case key.Matches(msg, m.keys.Help) && !m.screen.Capturing():
		m.help.ShowAll = !m.help.ShowAll
		return nil
	case key.Matches(msg, m.keys.Back) && m.state != common.ScreenDashboard:
		if m.screen.Busy() {
			return nil
		}
		return m.navigate(common.ScreenDashboard)
	}
	var cmd tea.Cmd
	m.screen, cmd = m.screen.Update(msg)
	m.syncDash()
	return cmd
}

// broadcast gives a message to the screen shown and to the dashboard underneath: results of background
// loads reach their panel whichever screen is up (screens ignore messages that are not theirs).
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmd, dashCmd tea.Cmd
	m.screen, cmd = m.screen.Update(msg)
	m.syncDash()
	if m.state != common.ScreenDashboard {
		m.dash, dashCmd = m.dash.Update(msg)
	}
	return tea.Batch(cmd, dashCmd)
}

func (m *Model) syncDash() {
	if m.state == common.ScreenDashboard {
		m.dash = m.screen
	}
}

// navigate opens screen to; the dashboard is reused and refreshed (a screen may have changed what it shows).
func (m *Model) navigate(to common.ScreenID) tea.Cmd {
	m.help.ShowAll = false
	if to == common.ScreenDashboard {
		var cmd tea.Cmd
		m.dash, cmd = m.dash.Update(common.RefreshMsg{})
		m.state, m.screen = common.ScreenDashboard, m.dash
		return cmd
	}
	s, ok := newScreen(m.c, to)
	if !ok {
		return nil // not in this build: the dashboard shows it disabled
	}
	m.state, m.screen = to, s
	return s.Init()
}

// execute suspends the UI and runs a command (a subshell with a role session); the screen gets ExecDoneMsg.
func execute(msg common.ExecMsg) tea.Cmd {
	if len(msg.Argv) == 0 {
		return func() tea.Msg { return common.ExecDoneMsg{Err: errors.New("no command to run")} }
	}
	cmd := exec.Command(msg.Argv[0], msg.Argv[1:]...)
	cmd.Env = msg.Env
	return tea.ExecProcess(cmd, func(err error) tea.Msg { return common.ExecDoneMsg{Err: err} })
}

// View draws the header, the screen (cut or padded to the space left) and the help footer.
func (m *Model) View() string {
	header, footer := m.header(), m.help.View(m.keyMap())
	body := m.screen.View()
	if m.height > 0 {
		body = fit(body, m.height-lipgloss.Height(header)-lipgloss.Height(footer))
	}
	return header + "\n" + body + "\n" + footer
}

func (m *Model) header() string {
	s := m.c.Styles
	h := s.Title.Render("鍵 kagi") + s.Subtitle.Render(" · "+m.screen.Title()+" · "+m.c.Profile)
	if m.c.Demo != nil {
		h += "  " + s.Demo.Render("DEMO")
	}
	return h
}

// keyMap is the screen's bindings followed by the root's, each enabled only where it works.
func (m *Model) keyMap() help.KeyMap {
	g := m.keys
	g.Help.SetEnabled(!m.screen.Capturing())
	b, handles := m.screen.(interface{ HandlesBack() bool })
	g.Back.SetEnabled(m.state != common.ScreenDashboard && !m.screen.Busy() && !(handles && b.HandlesBack()))
	return keyMap{screen: m.screen.KeyMap(), global: g}
}

// keyMap: the short help ends with '?' and Esc; ctrl+c, which works everywhere, is in the full help.
type keyMap struct {
	screen help.KeyMap
	global common.GlobalKeys
}

func (k keyMap) ShortHelp() []key.Binding {
	return append(slices.Clone(k.screen.ShortHelp()), k.global.Back, k.global.Help)
}

func (k keyMap) FullHelp() [][]key.Binding {
	return append(slices.Clone(k.screen.FullHelp()), []key.Binding{k.global.Back, k.global.Help, k.global.Quit})
}

// fit cuts s to h lines, or pads it with empty lines so that the footer stays at the bottom.
func fit(s string, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
