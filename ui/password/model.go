// Package password is the screen that changes the user's AWS console password: it reads the account's
// password policy, ticks its rules as the user types, can generate a password that satisfies it, and calls
// ChangePassword with the user's MFA session.
package password

import (
	"errors"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
)

type state int

const (
	stateCode    state = iota // asking for an MFA code
	stateOpening              // opening the MFA session
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

	serial string       // the MFA device, for the code prompt
	code   common.Field // the MFA code, when no session is cached
	api    awsx.PasswordAPI

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
		code: common.NewMFACodeInput(),
		fields: [3]common.Field{
			{Prompt: "Current password  ", Masked: true},
			{Prompt: "New password      ", Masked: true, Limit: awsx.MaxPasswordLength},
			{Prompt: "Repeat it         ", Masked: true, Limit: awsx.MaxPasswordLength},
		},
	}
	m.start()
	return m
}

// start asks for an MFA code when no session is cached, else opens the session straight away.
func (m *Model) start() {
	m.err = nil
	if serial, needed := common.MFACodeNeeded(m.ctx); needed {
		m.serial, m.state = serial, stateCode
		m.code.Focus()
	} else {
		m.state = stateOpening
	}
	m.enableKeys()
}

// Init opens the MFA session unless the screen waits for a code.
func (m *Model) Init() tea.Cmd {
	if m.state != stateOpening {
		return nil
	}
	return tea.Batch(common.OpenSelfService(m.ctx, ""), m.spin.Tick)
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case spinner.TickMsg:
		if m.Busy() {
			m.spin, cmd = m.spin.Update(msg)
		}
	case common.SelfServiceMsg:
		cmd = m.opened(msg)
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

func (m *Model) opened(msg common.SelfServiceMsg) tea.Cmd {
	switch {
	case errors.Is(msg.Err, common.ErrMFACodeNeeded): // the cached session expired meanwhile
		m.state, m.serial = stateCode, msg.Serial
		m.code.Focus()
		return nil
	case msg.Err != nil && m.serial != "": // a typed code failed: let the user enter another
		m.state, m.err = stateCode, msg.Err
		return nil
	case msg.Err != nil:
		m.state, m.err = stateFailed, msg.Err
		return nil
	}
	m.api, m.state = m.ctx.IAM(msg.SS).IAM(), stateLoading
	return loadPolicy(m.api)
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	switch {
	case m.state == stateCode && key.Matches(msg, m.keys.Submit):
		return m.submitCode()
	case m.state == stateCode:
		m.code.Update(msg)
	case m.state == stateDone && key.Matches(msg, m.keys.Submit):
		return func() tea.Msg { return common.BackMsg{} }
	case m.state == stateFailed && key.Matches(msg, m.keys.Retry):
		m.start()
		return m.Init()
	case m.state == stateForm:
		return m.formKey(msg)
	}
	return nil
}

func (m *Model) submitCode() tea.Cmd {
	code := m.code.Value()
	if !common.ValidMFACode(code) {
		m.err = errEnterCode
		return nil
	}
	m.code.Reset()
	m.state, m.err = stateOpening, nil
	return tea.Batch(common.OpenSelfService(m.ctx, code), m.spin.Tick)
}

// forget drops every password and code the screen holds; the root sends BackMsg when the user leaves.
func (m *Model) forget() {
	for i := range m.fields {
		m.fields[i].Reset()
	}
	m.code.Reset()
	m.generated, m.revealed = "", false
}

// Title is shown in the header.
func (m *Model) Title() string { return "Console password" }

// KeyMap feeds the help view.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Busy reports a call in flight.
func (m *Model) Busy() bool {
	return m.state == stateOpening || m.state == stateLoading || m.state == stateSaving
}

// Capturing reports that a text field has focus.
func (m *Model) Capturing() bool { return m.state == stateCode || m.state == stateForm }
