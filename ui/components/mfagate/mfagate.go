// Package mfagate is the MFA gate of the self-service screens (password, access keys, Git credentials, MFA
// device): before a screen calls IAM as the user under a forced-MFA policy it needs the user's MFA session.
// The gate opens it, straight away when no typed code is needed (a session is cached, no device is known, or
// the profile's mfa_process gives the code), else after asking for the code in the screen, and asks again
// when a typed code fails.
//
// A screen embeds a Model, shows its View and gives it its key presses, spinner ticks and
// common.SelfServiceMsg while the gate is in front; it goes on when the gate sends OpenedMsg (or FailedMsg).
// Like the bubbles components, the gate's side effects are commands and Update returns the new Model.
package mfagate

import (
	"errors"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// OpenedMsg: the gate opened the MFA session (or found it cached); SS signs the screen's IAM calls.
type OpenedMsg struct{ SS *session.SelfService }

// FailedMsg: the session could not be opened and no typed code was involved, so asking for one would not
// help; Err says why. The screen shows it and may Start the gate again.
type FailedMsg struct{ Err error }

// ErrEnterCode is the gate's answer to enter pressed before 6 digits were typed.
var ErrEnterCode = errors.New("enter the 6-digit code your authenticator shows now")

// KeyMap is the gate's binding, for the screen's help. Submit is enabled exactly while the gate asks.
type KeyMap struct {
	Submit key.Binding
}

// DefaultKeyMap is enter to send the typed code.
func DefaultKeyMap() KeyMap {
	return KeyMap{Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the MFA session"))}
}

type state int

const (
	stateClosed  state = iota // not started, or Reset
	stateAsking               // the code field has focus
	stateOpening              // common.OpenSelfService in flight
	stateOpen                 // the session is open; OpenedMsg is on its way to the screen
	stateFailed               // opening failed; FailedMsg is on its way to the screen
)

// Model is the gate. The zero value is not usable; New makes one.
type Model struct {
	KeyMap  KeyMap
	Purpose string // completes "kagi needs an MFA session …", e.g. "to change your password"

	ctx    *common.Context
	state  state
	serial string       // the MFA device the code is for
	code   common.Field // the code, typed in the screen
	typed  bool         // the open in flight carries a typed code: if it fails, the gate asks again
	err    error        // shown under the code field
	spin   spinner.Model

	demo    string // `kagi demo` only: the demo authenticator's current code, shown under the field
	demoGen int    // numbers the authenticator's read loops: only the newest keeps going
}

// New returns a closed gate for ctx.Profile; Start or Ask opens it.
func New(ctx *common.Context, purpose string) Model {
	m := Model{
		KeyMap:  DefaultKeyMap(),
		Purpose: purpose,
		ctx:     ctx,
		code:    common.NewMFACodeInput(),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Styles.Muted)),
	}
	m.sync()
	return m
}

// Start opens the gate: it asks for a code when the MFA session needs a typed one, else Init opens the
// session. It reads only the config and the keyring's item names, so the screen can show the code field at
// once instead of a spinner.
func (m *Model) Start() {
	if serial, needed := common.MFACodeNeeded(m.ctx); needed {
		m.Ask(serial)
		return
	}
	m.state, m.err, m.typed = stateOpening, nil, false
	m.sync()
}

// Ask asks for a code of the MFA device serial: a screen's own call found that the session needs one. The
// command reads the demo authenticator in `kagi demo` (nil otherwise).
func (m *Model) Ask(serial string) tea.Cmd {
	m.state, m.serial, m.err, m.typed = stateAsking, serial, nil, false
	m.code.Reset()
	m.code.Focus()
	m.sync()
	return m.readDemo()
}

// readDemo starts a new read loop of the demo authenticator for the device asked about.
func (m *Model) readDemo() tea.Cmd {
	m.demoGen++
	m.demo = ""
	return common.ReadDemoCode(m.ctx.Demo, m.serial, m.demoGen, 0)
}

// Init is the command that opens the session after Start found no typed code is needed, or, when Start
// asks for a code, reads the demo authenticator in `kagi demo`.
func (m *Model) Init() tea.Cmd {
	switch {
	case m.state == stateAsking:
		return m.readDemo()
	case m.state != stateOpening || m.typed:
		return nil
	}
	return tea.Batch(common.OpenSelfService(m.ctx, ""), m.spin.Tick)
}

// Reset drops the code typed and closes the gate; the screen calls it when the user leaves or backs out.
func (m *Model) Reset() {
	m.code.Reset()
	m.state, m.err, m.typed = stateClosed, nil, false
	m.sync()
}

// Update handles key presses while the gate asks, its spinner's ticks and the outcome of opening the
// session. It ignores every other message.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if m.state == stateAsking {
			cmd = m.key(msg)
		}
	case spinner.TickMsg:
		if m.state == stateOpening {
			m.spin, cmd = m.spin.Update(msg)
		}
	case common.SelfServiceMsg:
		if m.state == stateOpening {
			cmd = m.opened(msg)
		}
	case common.DemoCodeMsg:
		if m.state == stateAsking && msg.Gen == m.demoGen { // else the field closed: this loop ends
			m.demo = msg.Code
			cmd = common.ReadDemoCode(m.ctx.Demo, m.serial, m.demoGen, time.Second)
		}
	}
	m.sync()
	return m, cmd
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if !key.Matches(msg, m.KeyMap.Submit) {
		m.code.Update(msg)
		return nil
	}
	code := m.code.Value()
	if !common.ValidMFACode(code) {
		m.err = ErrEnterCode
		return nil
	}
	m.code.Reset()
	m.state, m.err, m.typed = stateOpening, nil, true
	return tea.Batch(common.OpenSelfService(m.ctx, code), m.spin.Tick)
}

func (m *Model) opened(msg common.SelfServiceMsg) tea.Cmd {
	switch {
	case errors.Is(msg.Err, common.ErrMFACodeNeeded): // the cached session ran out meanwhile
		m.state, m.serial, m.typed = stateAsking, msg.Serial, false
		m.code.Focus()
		return m.readDemo()
	case msg.Err != nil && m.typed: // the typed code failed: let the user enter another
		m.state, m.err = stateAsking, msg.Err
		m.code.Focus()
		return m.readDemo()
	case msg.Err != nil:
		m.state, m.err = stateFailed, msg.Err
		return report(FailedMsg{Err: msg.Err})
	}
	m.state = stateOpen
	return report(OpenedMsg{SS: msg.SS})
}

func report(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// sync keeps the help truthful: enter sends a code only while the gate asks for one.
func (m *Model) sync() { m.KeyMap.Submit.SetEnabled(m.state == stateAsking) }

// Asking reports that the code field has focus (the screen is capturing keys).
func (m Model) Asking() bool { return m.state == stateAsking }

// Busy reports that the session is being opened: the screen waits, and Esc must not leave it.
func (m Model) Busy() bool { return m.state == stateOpening || m.state == stateOpen }

// Serial is the MFA device the gate asks a code of.
func (m Model) Serial() string { return m.serial }

// View is the code prompt while the gate asks (why, for which device, the field, the inline error), a
// spinner while it opens the session, and the error when that failed; wrapped to the screen's width.
func (m Model) View() string {
	s := m.ctx.Styles
	switch m.state {
	case stateClosed:
		return ""
	case stateAsking:
		lines := []string{
			m.para(s.Value, "kagi needs an MFA session "+m.Purpose+"."),
			m.para(s.Muted, "Enter the current code of your MFA device "+m.serial+"."),
			"",
			m.code.View(s),
		}
		if m.demo != "" {
			lines = append(lines, "", s.Demo.Render("demo authenticator:")+" "+s.Secret.Render(m.demo))
		}
		if m.err != nil {
			lines = append(lines, "", m.para(s.Error, "✗ "+common.Sentence(m.err)))
		}
		return strings.Join(lines, "\n")
	case stateFailed:
		return m.para(s.Error, "✗ "+common.Sentence(m.err))
	}
	return m.spin.View() + " " + s.Muted.Render("Opening your MFA session…")
}

// para wraps text to the screen's width (the root pads one column each side) and styles each line, so no
// line is padded to the widest.
func (m Model) para(st lipgloss.Style, text string) string {
	width := m.ctx.Width - 2
	if m.ctx.Width <= 0 {
		width = 78
	}
	lines := strings.Split(ansi.Wordwrap(text, width, ""), "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}
