// Package mfadevice is the screen for an IAM user's enabled MFA devices: it lists them (the one kagi uses
// marked), resynchronizes a device whose codes drifted, removes one (deactivate and delete, with the MFA
// session the forced-MFA policy requires for it) and replaces one (remove, then the onboarding screen).
package mfadevice

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/components/mfagate"
)

type state int

const (
	stateLoading   state = iota // listing the devices
	stateList                   // the devices; idle
	stateFailed                 // the list could not be read (err says why); r tries again
	stateResync                 // two code fields for a resync
	stateResyncing              // ResyncMFADevice in flight
	stateConfirm                // remove (or replace) the selected device? y/n
	stateGate                   // the MFA gate: asking for the code that opens the session a removal needs, or opening it
	stateRemoving               // deactivate + delete in flight
)

// busy: a call of the screen's own is in flight; keys wait and Esc does not leave.
func (s state) busy() bool { return s == stateLoading || s == stateResyncing || s == stateRemoving }

// action is what the confirmation and the MFA code are for.
type action int

const (
	actionRemove  action = iota
	actionReplace        // remove, then open the onboarding screen
)

// Model is the MFA device screen.
type Model struct {
	ctx   *common.Context
	keys  keyMap
	state state
	spin  spinner.Model
	err   error

	user    string
	devices []awsx.MFADevice
	known   session.KnownDevice // the device kagi uses for the profile
	cursor  int

	codes  [2]common.Field // the resync codes
	focus  int             // of codes
	gate   mfagate.Model   // opens the MFA session a removal needs
	action action
	target string // the device of the action under way

	notice string   // what the last action did
	notes  []string // what the user must know after it (a device left in the account, the config to edit)
}

var _ common.Screen = (*Model)(nil)

// New returns the screen for ctx.Profile's IAM user.
func New(ctx *common.Context) *Model {
	m := &Model{
		ctx:  ctx,
		keys: newKeyMap(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Styles.Muted)),
		gate: mfagate.New(ctx, ""), // the purpose names the device: see View
		codes: [2]common.Field{
			{Prompt: "Code now  ", Placeholder: "6 digits", Limit: 6, Digits: true},
			{Prompt: "Next code ", Placeholder: "6 digits", Limit: 6, Digits: true},
		},
	}
	m.state = stateLoading
	m.enableKeys()
	return m
}

// Init lists the devices.
func (m *Model) Init() tea.Cmd { return tea.Batch(loadDevices(targetOf(m.ctx)), m.spin.Tick) }

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case spinner.TickMsg:
		if m.state == stateGate {
			m.gate, cmd = m.gate.Update(msg)
		} else if m.Busy() {
			m.spin, cmd = m.spin.Update(msg)
		}
	case devicesMsg:
		m.listed(msg)
	case resyncedMsg:
		m.resynced(msg)
	case common.SelfServiceMsg, common.DemoCodeMsg:
		m.gate, cmd = m.gate.Update(msg)
	case mfagate.OpenedMsg:
		if m.state == stateGate { // with the MFA session cached, the removal goes ahead
			cmd = m.startRemove()
		}
	case mfagate.FailedMsg: // the gate opens only with a typed code here and asks again when it fails; if it gives up, the list says why
		m.state, m.err = stateList, msg.Err
	case removedMsg:
		cmd = m.removed(msg)
	case common.BackMsg:
		m.forget()
	case tea.KeyMsg:
		cmd = m.key(msg)
	}
	m.enableKeys()
	return m, cmd
}

// reload lists the devices again, keeping the notice and error of the action that made it.
func (m *Model) reload() tea.Cmd {
	m.state = stateLoading
	return tea.Batch(loadDevices(targetOf(m.ctx)), m.spin.Tick)
}

func (m *Model) listed(msg devicesMsg) {
	if msg.err != nil {
		m.state, m.err = stateFailed, msg.err
		return
	}
	first := m.user == ""
	m.state, m.user, m.devices, m.known = stateList, msg.user, msg.devices, msg.known
	m.cursor = min(m.cursor, max(len(m.devices)-1, 0))
	for i, d := range m.devices {
		if first && d.SerialNumber == m.known.Serial { // start on the device kagi uses
			m.cursor = i
		}
	}
}

func (m *Model) selected() (awsx.MFADevice, bool) {
	if m.cursor < 0 || m.cursor >= len(m.devices) {
		return awsx.MFADevice{}, false
	}
	return m.devices[m.cursor], true
}

// forget drops every code the screen holds; the root sends BackMsg when the user leaves.
func (m *Model) forget() {
	m.codes[0].Reset()
	m.codes[1].Reset()
	m.gate.Reset()
}

// Title is shown in the header.
func (m *Model) Title() string { return "MFA device" }

// KeyMap feeds the help view.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Busy reports a call in flight.
func (m *Model) Busy() bool { return m.state.busy() || (m.state == stateGate && m.gate.Busy()) }

// Capturing reports that a code field has focus.
func (m *Model) Capturing() bool { return m.state == stateResync || m.asking() }

// HandlesBack reports that Esc (and so Ctrl+C) must reach the screen: in a form, Esc goes back to the list.
func (m *Model) HandlesBack() bool { return m.form() }

// form: a sub-step of an action the user can back out of with Esc, to the list.
func (m *Model) form() bool { return m.state == stateResync || m.state == stateConfirm || m.asking() }

// asking: the MFA gate asks for a code.
func (m *Model) asking() bool { return m.state == stateGate && m.gate.Asking() }
