// Package onboarding is the first-login screen: it creates the user's virtual MFA device, shows it as a QR
// code (or its key grouped in fours when the terminal is too small), enables it with two consecutive codes
// and starts the first MFA session with a third. The device's secret is dropped as soon as the device is
// enabled or the set-up is cancelled.
package onboarding

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
)

// state is where the set-up stands.
type state int

const (
	stateIntro      state = iota // what is about to happen; enter starts
	stateCreating                // WhoAmI + BeginEnrollment in flight
	stateScan                    // QR code (or key) shown
	stateCode1                   // first code
	stateCode2                   // the next code
	stateEnabling                // EnableMFADevice in flight
	stateCode3                   // one more code for the first session
	stateStarting                // GetSessionToken in flight
	stateDone                    // enabled, session cached, secret forgotten
	stateCancelling              // deleting the unfinished device
	stateCancelled               // cancelled with a note to read (e.g. a leftover device)
)

// busy: a call is in flight.
func (s state) busy() bool {
	return s == stateCreating || s == stateEnabling || s == stateStarting || s == stateCancelling
}

// holdsDevice: a device exists that is not enabled yet; leaving must delete it.
func (s state) holdsDevice() bool { return s == stateScan || s == stateCode1 || s == stateCode2 }

// codeEntry: a code input has focus.
func (s state) codeEntry() bool { return s == stateCode1 || s == stateCode2 || s == stateCode3 }

// Model is the onboarding screen.
type Model struct {
	ctx     *common.Context
	state   state
	keys    keyMap
	spinner spinner.Model
	codes   [3]codeInput // code 1 and 2 enable the device, code 3 starts the session
	err     error        // the last recoverable error, shown inline

	enr        *awsx.Enrollment // the unfinished device with its secret; nil once forgotten
	user       string
	serial     string // the device ARN (not secret); kept for the done view and the demo authenticator
	replaced   string // a device left by an earlier attempt that this one replaces
	showSecret bool
	demoCode   string // the demo authenticator's current code (demo mode only)
	note       string // why the cancelled set-up left something behind
}

// New returns the onboarding screen for ctx.Profile.
func New(ctx *common.Context) *Model {
	return &Model{ctx: ctx, keys: newKeyMap(), spinner: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

// Init implements common.Screen. Nothing happens until the user has read the introduction.
func (m *Model) Init() tea.Cmd { return nil }

// Title implements common.Screen.
func (m *Model) Title() string { return "Set up MFA" }

// Busy implements common.Screen.
func (m *Model) Busy() bool { return m.state.busy() }

// Capturing implements common.Screen.
func (m *Model) Capturing() bool { return m.state.codeEntry() }

// HandlesBack reports that esc and ctrl+c must reach this screen instead of the root's back and quit: a
// device exists that is not enabled, and leaving must first delete it (CancelEnrollment).
func (m *Model) HandlesBack() bool { return m.state.holdsDevice() }

// KeyMap implements common.Screen.
func (m *Model) KeyMap() help.KeyMap {
	canSubmit := m.state.codeEntry() && awsx.IsMFACode(m.codes[m.focused()].Value())
	toggle := m.state.holdsDevice() && (m.state != stateScan || m.qrFits())
	return m.keys.keysFor(m.state, canSubmit, toggle, m.showSecret)
}

// Update implements common.Screen: results of commands, then keys by state.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case enrolledMsg:
		return m, m.onEnrolled(msg)
	case enabledMsg:
		return m, m.onEnabled(msg)
	case startedMsg:
		return m, m.onStarted(msg)
	case cancelledMsg:
		return m, m.onCancelled(msg)
	case demoCodeMsg:
		return m, m.onDemoCode(msg)
	case spinner.TickMsg:
		if !m.state.busy() {
			return m, nil // let the tick chain stop between calls
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case tea.KeyMsg:
		return m, m.onKey(msg)
	}
	return m, nil
}

// onKey dispatches a key by state. While a call is in flight every key is ignored: no double submit, and
// no leaving a device half-made.
func (m *Model) onKey(msg tea.KeyMsg) tea.Cmd {
	switch m.state {
	case stateIntro:
		return m.keyIntro(msg)
	case stateScan:
		return m.keyScan(msg)
	case stateCode1, stateCode2, stateCode3:
		return m.keyCode(msg)
	case stateDone, stateCancelled:
		if msg.Type == tea.KeyEnter || msg.Type == tea.KeyEsc {
			return msgCmd(common.BackMsg{})
		}
	}
	return nil
}

// busyCmd enters a busy state and starts the spinner with the call.
func (m *Model) busyCmd(s state, call tea.Cmd) tea.Cmd {
	m.state, m.err = s, nil
	return tea.Batch(m.spinner.Tick, call)
}

// forget drops the device secret from the model: after it, neither fields nor view hold it.
func (m *Model) forget() {
	if m.enr != nil {
		m.enr.Forget()
		m.enr = nil
	}
	m.showSecret = false
}

// focused is the index of the code input of the current state.
func (m *Model) focused() int {
	switch m.state {
	case stateCode2:
		return 1
	case stateCode3:
		return 2
	}
	return 0
}
