// Package gitcreds is the screen for the user's CodeCommit HTTPS Git credentials: list, create and reset
// (the password is shown once, then dropped), deactivate or activate, delete.
package gitcreds

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
	stateGate          state = iota // the MFA gate: asking for a code or opening the session
	stateLoading                    // listing the credentials
	stateList                       // the table; idle
	stateWorking                    // a create, reset, status change or deletion in flight
	stateConfirmReset               // reset the selected credential's password? y/n
	stateConfirmDelete              // delete the selected credential? y/n
	stateFailed                     // the screen cannot go on (err says why); r tries again
)

const statusActive = "Active"

// Model is the Git credentials screen.
type Model struct {
	ctx   *common.Context
	keys  keyMap
	state state
	spin  spinner.Model
	err   error

	gate     mfagate.Model // opens the MFA session the Git credential calls need
	api      awsx.GitCredentialsAPI
	who      identityAPI
	userName string // the IAM user, once a creation looked it up

	list   []awsx.GitCredential
	cursor int
	notice string          // what the last action did
	secret *awsx.GitSecret // a new password, shown until the user confirms copying it or leaves
}

var _ common.Screen = (*Model)(nil)

// New returns the screen for ctx.Profile's IAM user.
func New(ctx *common.Context) *Model {
	m := &Model{
		ctx:  ctx,
		keys: newKeyMap(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Styles.Muted)),
		gate: mfagate.New(ctx, "to manage your Git credentials"),
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
		cfg := m.ctx.IAM(msg.SS)
		client := cfg.IAM()
		m.api, m.who, m.state = client, identityAPI{sts: cfg.STS(), iam: client}, stateLoading
		cmd = tea.Batch(loadCreds(m.api), m.spin.Tick)
	case mfagate.FailedMsg:
		m.state, m.err = stateFailed, msg.Err
	case credsMsg:
		if msg.err != nil {
			m.state, m.err = stateFailed, msg.err
		} else { // an error of the action that made the list reload stays shown
			m.state, m.list = stateList, msg.creds
			m.cursor = min(m.cursor, max(len(m.list)-1, 0))
		}
	case secretMsg:
		cmd = m.gotSecret(msg)
	case changedMsg:
		m.state, m.err = stateLoading, msg.err
		if msg.err == nil {
			m.notice = msg.done
		}
		cmd = tea.Batch(loadCreds(m.api), m.spin.Tick)
	case common.BackMsg:
		m.forget()
	case tea.KeyMsg:
		cmd = m.key(msg)
	}
	m.enableKeys()
	return m, cmd
}

func (m *Model) gotSecret(msg secretMsg) tea.Cmd {
	if m.err = msg.err; msg.err == nil {
		m.secret = &msg.secret
		m.notice = ""
		if msg.userName != "" {
			m.userName = msg.userName
		}
	}
	m.state = stateLoading
	return tea.Batch(loadCreds(m.api), m.spin.Tick)
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if m.secret != nil && key.Matches(msg, m.keys.Submit) { // "I copied it", even while the list reloads
		m.secret = nil
		return nil
	}
	switch m.state {
	case stateGate:
		var cmd tea.Cmd
		m.gate, cmd = m.gate.Update(msg)
		return cmd
	case stateList:
		return m.listKey(msg)
	case stateConfirmReset, stateConfirmDelete:
		return m.confirmKey(msg)
	case stateFailed:
		if key.Matches(msg, m.keys.Retry) {
			m.start()
			return m.Init()
		}
	}
	return nil
}

func (m *Model) selected() (awsx.GitCredential, bool) {
	if m.cursor < 0 || m.cursor >= len(m.list) {
		return awsx.GitCredential{}, false
	}
	return m.list[m.cursor], true
}

// forget drops the password and the code; the root sends BackMsg when the user leaves.
func (m *Model) forget() {
	m.secret = nil
	m.gate.Reset()
}

// Title is shown in the header.
func (m *Model) Title() string { return "Git credentials" }

// KeyMap feeds the help view.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Busy reports a call in flight.
func (m *Model) Busy() bool {
	return (m.state == stateGate && m.gate.Busy()) || m.state == stateLoading || m.state == stateWorking
}

// Capturing reports that the MFA code field has focus.
func (m *Model) Capturing() bool { return m.state == stateGate && m.gate.Asking() }
