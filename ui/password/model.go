// Package password is the screen that changes the user's AWS console password: it reads the account's
// password policy, ticks its rules as the user types, can generate a password that satisfies it, and calls
// ChangePassword with the user's MFA session.
package password

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/components/mfagate"
)

type state int

const (
	stateGate    state = iota // the MFA gate: asking for a code or opening the session
	stateLoading              // reading the password policy
	stateForm                 // the user types the passwords
	stateSaving               // ChangePassword in flight
	stateDone                 // the password was changed
	stateFailed               // the screen cannot go on (err says why); r tries again
)

// The form's fields, in focus order.
const (
	fieldCurrent = iota
	fieldNew
	fieldConfirm
)

// Model is the password screen.
type Model struct {
	ctx   *common.Context
	keys  keyMap
	state state
	spin  spinner.Model
	err   error

	gate mfagate.Model // opens the MFA session ChangePassword needs
	api  awsx.PasswordAPI

	policy    awsx.PasswordPolicy
	fields    [3]common.Field
	focus     int
	generated string // the last generated password, until the user edits it or leaves
	revealed  bool   // the user asked to see it
}

var _ common.Screen = (*Model)(nil)

// New returns the screen for ctx.Profile's IAM user.
func New(ctx *common.Context) *Model {
	m := &Model{
		ctx:  ctx,
		keys: newKeyMap(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Styles.Muted)),
		gate: mfagate.New(ctx, "to change your password"),
		fields: [3]common.Field{
			{Prompt: "Current password  ", Masked: true},
			{Prompt: "New password      ", Masked: true, Limit: awsx.MaxPasswordLength},
			{Prompt: "Repeat it         ", Masked: true, Limit: awsx.MaxPasswordLength},
		},
	}
	m.start()
	return m
}

// start puts the MFA gate in front: it asks for a code when the session needs one typed.
func (m *Model) start() {
	m.state, m.err = stateGate, nil
	m.gate.Start()
	m.enableKeys()
}

// Init opens the MFA session unless the gate waits for a code.
func (m *Model) Init() tea.Cmd { return m.gate.Init() }

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
	case common.SelfServiceMsg, common.DemoCodeMsg:
		m.gate, cmd = m.gate.Update(msg)
	case mfagate.OpenedMsg:
		m.api, m.state = m.ctx.IAM(msg.SS).IAM(), stateLoading
		cmd = tea.Batch(loadPolicy(m.api), m.spin.Tick)
	case mfagate.FailedMsg:
		m.state, m.err = stateFailed, msg.Err
	case policyMsg:
		if m.policy, m.err = msg.policy, msg.err; msg.err != nil {
			m.state = stateFailed
		} else {
			m.state, m.focus = stateForm, fieldCurrent
			m.fields[fieldCurrent].Focus()
		}
	case generatedMsg:
		m.generatedPassword(msg)
	case changedMsg:
		cmd = m.changed(msg)
	case common.BackMsg:
		m.forget()
	case tea.KeyMsg:
		cmd = m.key(msg)
	}
	m.enableKeys()
	return m, cmd
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case m.state == stateGate:
		m.gate, cmd = m.gate.Update(msg)
	case m.state == stateDone && key.Matches(msg, m.keys.Submit):
		return func() tea.Msg { return common.BackMsg{} }
	case m.state == stateFailed && key.Matches(msg, m.keys.Retry):
		m.start()
		return m.Init()
	case m.state == stateForm:
		return m.formKey(msg)
	}
	return cmd
}

// forget drops every password and code the screen holds; the root sends BackMsg when the user leaves.
func (m *Model) forget() {
	for i := range m.fields {
		m.fields[i].Reset()
	}
	m.gate.Reset()
	m.generated, m.revealed = "", false
}

// Title is shown in the header.
func (m *Model) Title() string { return "Console password" }

// KeyMap feeds the help view.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Busy reports a call in flight.
func (m *Model) Busy() bool {
	return (m.state == stateGate && m.gate.Busy()) || m.state == stateLoading || m.state == stateSaving
}

// Capturing reports that a text field has focus.
func (m *Model) Capturing() bool {
	return (m.state == stateGate && m.gate.Asking()) || m.state == stateForm
}
