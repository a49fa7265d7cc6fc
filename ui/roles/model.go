// Package roles is the screen that lists role profiles with their cached sessions, assumes a role (asking for
// the MFA code inside the UI when the engine needs one) and opens a subshell with a role session.
package roles

import (
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session/warm"
	"github.com/kagi-cli/kagi/ui/common"
)

type state int

const (
	stateList    state = iota // browsing the profiles
	stateWorking              // an engine call is in flight
	stateCode                 // the MFA code input has focus
)

// Model is the roles screen.
type Model struct {
	c       *common.Context
	keys    keyMap
	spinner spinner.Model
	input   common.Field

	state   state
	loaded  bool
	rows    []row
	cursor  int
	pending string // the profile being assumed
	confirm string // the profile whose missing MFA device the user was warned about
	typed   bool   // the call in flight carries a code the user typed
	serial  string // the MFA device the code is for
	demo    string // the demo authenticator's current code ("" outside the demo)
	demoGen int    // numbers the authenticator's read loops: only the newest one keeps going
	notice  string
	err     error
}

var _ common.Screen = (*Model)(nil)

// New returns the roles screen.
func New(c *common.Context) *Model {
	return &Model{c: c, keys: newKeyMap(), spinner: spinner.New(spinner.WithSpinner(spinner.Dot)), input: common.NewMFACodeInput()}
}

// Init loads the profiles.
func (m *Model) Init() tea.Cmd { return loadRows(m.c) }

// Title implements common.Screen.
func (m *Model) Title() string { return "Roles" }

// KeyMap implements common.Screen.
func (m *Model) KeyMap() help.KeyMap { return m.active() }

// Busy implements common.Screen.
func (m *Model) Busy() bool { return m.state == stateWorking }

// Capturing implements common.Screen.
func (m *Model) Capturing() bool { return m.state == stateCode }

// Update implements common.Screen.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case rowsMsg:
		m.loaded, m.rows, m.err = true, msg.rows, msg.err
		m.cursor = min(m.cursor, max(len(m.rows)-1, 0))
		return m, nil
	case assumedMsg:
		return m, m.assumed(msg)
	case shellFailedMsg:
		return m, m.assumed(assumedMsg{profile: msg.profile, err: msg.err})
	case common.ExecDoneMsg:
		m.state, m.err = stateList, shellError(msg.Err)
		return m, loadRows(m.c)
	case common.DemoCodeMsg:
		if m.state != stateCode || msg.Gen != m.demoGen {
			return m, nil // the input closed, or a newer loop runs: stop this one
		}
		m.demo = msg.Code
		return m, common.ReadDemoCode(m.c.Demo, m.serial, m.demoGen, time.Second)
	case spinner.TickMsg:
		if m.state != stateWorking {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case tea.KeyMsg:
		if m.state == stateCode {
			return m, m.codeKey(msg)
		}
		return m, m.listKey(msg)
	}
	return m, nil
}

func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	k := m.active()
	switch {
	case key.Matches(msg, k.Up):
		m.cursor, m.confirm = max(m.cursor-1, 0), ""
	case key.Matches(msg, k.Down):
		m.cursor, m.confirm = min(m.cursor+1, len(m.rows)-1), ""
	case key.Matches(msg, k.Assume):
		r := m.rows[m.cursor]
		if !r.MFA && m.confirm != r.Profile {
			// Under a forced-MFA policy this would only earn an AccessDenied: say so, go ahead on a second Enter.
			m.confirm, m.notice, m.err = r.Profile, "", &noMFAError{profile: r.Profile}
			return nil
		}
		return m.start(r.Profile, "")
	case key.Matches(msg, k.Shell):
		m.state, m.pending, m.notice, m.err = stateWorking, m.rows[m.cursor].Profile, "", nil
		return tea.Batch(shell(m.c, m.pending), m.spinner.Tick)
	case key.Matches(msg, k.Refresh):
		m.notice, m.err = "", nil
		return loadRows(m.c)
	}
	return nil
}

func (m *Model) codeKey(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, m.active().Submit) {
		code := m.input.Value()
		m.input.Reset()
		m.input.Blur()
		return m.start(m.pending, code)
	}
	m.input.Update(msg)
	return nil
}

// start assumes profile (with code, if the user typed one) in the background.
func (m *Model) start(profile, code string) tea.Cmd {
	m.state, m.pending, m.typed, m.notice, m.err, m.demo, m.confirm = stateWorking, profile, code != "", "", nil, "", ""
	return tea.Batch(assume(m.c, profile, code), m.spinner.Tick)
}

// assumed handles the engine's answer: done, a code is needed, or an error to show.
func (m *Model) assumed(msg assumedMsg) tea.Cmd {
	var need *common.NeedCodeError
	switch {
	case errors.As(msg.err, &need):
		m.state, m.pending, m.serial = stateCode, msg.profile, need.Serial
		return m.askCode()
	case msg.err != nil:
		m.state, m.err = stateList, msg.err
		if m.typed && rejectedCode(msg.err) { // show why and ask again right away
			return m.askCode()
		}
		return nil
	}
	m.state = stateList
	m.notice = readyNotice(msg.profile, msg.expires.Sub(m.c.Clock()), msg.fromCache)
	return loadRows(m.c)
}

// askCode opens the code input (and, in the demo, starts reading the virtual authenticator).
func (m *Model) askCode() tea.Cmd {
	m.state = stateCode
	m.demoGen++
	m.input.Focus()
	return common.ReadDemoCode(m.c.Demo, m.serial, m.demoGen, 0)
}

// selectedValid reports whether the selected profile has a cached role session the engine would hand out.
func (m *Model) selectedValid() bool {
	if m.cursor >= len(m.rows) {
		return false
	}
	return m.rows[m.cursor].Left > m.window()
}

func (m *Model) window() time.Duration {
	if m.c.Engine != nil && m.c.Engine.Window > 0 {
		return m.c.Engine.Window
	}
	return warm.DefaultWindow
}

// shellError drops the shell's own exit status: a non-zero exit of the user's last command is not kagi's
// failure. Anything else (the shell could not start) is shown.
func shellError(err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil
	}
	return err
}

// rejectedCode: AWS (or the spent-code memory) turned the typed code down; another code may work.
func rejectedCode(err error) bool {
	c := awsx.Classify(err)
	return c == awsx.ClassInvalidMFA || c == awsx.ClassMFAUsed || errors.Is(err, common.ErrMFACodeJustUsed)
}

// noMFAError: the role's chain has no MFA device; most roles (and forced-MFA policies) require one.
type noMFAError struct{ profile string }

func (e *noMFAError) Error() string {
	return fmt.Sprintf("no MFA device is known for profile %s, and most roles require MFA; set up MFA first, or press enter again to try without", e.profile)
}
