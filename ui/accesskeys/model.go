// Package accesskeys is the screen that lists the user's IAM access keys, rotates the one kagi stores
// (session.Rotate, crash-safe and journaled), and deactivates, activates or deletes the others.
package accesskeys

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/components/mfagate"
)

type state int

const (
	stateGate          state = iota // the MFA gate: asking for a code or opening the session
	stateLoading                    // listing the keys
	stateList                       // the table; idle
	stateWorking                    // a status change or a deletion in flight
	stateConfirmRotate              // the rotation's steps explained; y/n
	stateRotating                   // session.Rotate running
	stateConfirmOld                 // Rotate asks whether to delete the old key; y/n
	stateConfirmDelete              // delete the selected key? y/n
	stateFailed                     // the screen cannot go on (err says why); r tries again
)

// Model is the access keys screen.
type Model struct {
	ctx   *common.Context
	keys  keyMap
	state state
	spin  spinner.Model
	err   error

	gate   mfagate.Model // opens the MFA session the key calls need
	api    awsx.AccessKeysAPI
	source string // the source profile whose key kagi stores

	list    []awsx.AccessKey
	stored  string // the ID of the key kagi stores, "" if none
	cursor  int
	notice  string                // what the last action did
	cleanup *session.NeedsCleanup // why the last rotation could not start

	rotation  rotation
	canReveal bool                 // a rotation finished in this visit: its secret may be shown once
	secret    *session.LongTermKey // the new key, while shown
}

var _ common.Screen = (*Model)(nil)

// New returns the screen for ctx.Profile's IAM user.
func New(ctx *common.Context) *Model {
	m := &Model{
		ctx:  ctx,
		keys: newKeyMap(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Styles.Muted)),
		gate: mfagate.New(ctx, "to manage your access keys"),
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
		m.api, m.source, m.state = m.ctx.IAM(msg.SS).IAM(), msg.SS.Profile, stateLoading
		cmd = tea.Batch(loadKeys(m.api, m.ctx.Engine, m.source), m.spin.Tick)
	case mfagate.FailedMsg:
		m.state, m.err = stateFailed, msg.Err
	case keysMsg:
		m.listed(msg)
	case changedMsg:
		cmd = m.changed(msg)
	case lastUsedMsg:
		m.lastUsed(msg)
	case rotationStartedMsg, stepMsg, progressMsg, confirmOldMsg, rotatedMsg:
		cmd = m.rotationEvent(msg)
	case secretMsg:
		m.secret, m.err, m.canReveal = msg.key, msg.err, false
	case common.BackMsg:
		m.forget()
	case tea.KeyMsg:
		cmd = m.key(msg)
	}
	m.enableKeys()
	return m, cmd
}

func (m *Model) listed(msg keysMsg) {
	if msg.err != nil {
		m.state, m.err = stateFailed, msg.err
		return
	}
	m.state, m.list, m.stored = stateList, msg.keys, msg.stored
	m.cursor = min(m.cursor, max(len(m.list)-1, 0))
	if m.cleanup != nil { // point at the key that has to go
		for i, k := range m.list {
			if k.ID != m.stored {
				m.cursor = i
				break
			}
		}
	}
}

// lastUsed takes in the looked-up keys that are still listed.
func (m *Model) lastUsed(msg lastUsedMsg) {
	m.state, m.err = stateList, msg.err
	for _, k := range msg.keys {
		for i := range m.list {
			if m.list[i].ID == k.ID {
				m.list[i] = k
			}
		}
	}
}

func (m *Model) changed(msg changedMsg) tea.Cmd {
	m.state, m.err = stateLoading, msg.err
	if msg.err == nil {
		m.notice = msg.done
		if msg.deleted {
			m.cleanup = nil
		}
	}
	return tea.Batch(loadKeys(m.api, m.ctx.Engine, m.source), m.spin.Tick)
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	switch m.state {
	case stateGate:
		var cmd tea.Cmd
		m.gate, cmd = m.gate.Update(msg)
		return cmd
	case stateList:
		return m.listKey(msg)
	case stateConfirmRotate, stateConfirmDelete, stateConfirmOld:
		return m.confirmKey(msg)
	case stateFailed:
		if key.Matches(msg, m.keys.Retry) {
			m.start()
			return m.Init()
		}
	}
	return nil
}

func (m *Model) selected() (awsx.AccessKey, bool) {
	if m.cursor < 0 || m.cursor >= len(m.list) {
		return awsx.AccessKey{}, false
	}
	return m.list[m.cursor], true
}

// forget drops the secret and the code; the root sends BackMsg when the user leaves.
func (m *Model) forget() {
	m.secret, m.canReveal = nil, false
	m.gate.Reset()
}

// Title is shown in the header.
func (m *Model) Title() string { return "Access keys" }

// KeyMap feeds the help view.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Busy reports a call in flight; during a rotation the screen cannot be left until Rotate returns.
func (m *Model) Busy() bool {
	switch m.state {
	case stateGate:
		return m.gate.Busy()
	case stateLoading, stateWorking, stateRotating, stateConfirmOld:
		return true
	}
	return false
}

// Capturing reports that the MFA code field has focus.
func (m *Model) Capturing() bool { return m.state == stateGate && m.gate.Asking() }
