package onboarding

import (
	"errors"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
)

func (m *Model) keyIntro(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Confirm):
		return m.busyCmd(stateCreating, createCmd(targetOf(m.ctx)))
	case key.Matches(msg, m.keys.Cancel):
		return msgCmd(common.BackMsg{})
	}
	return nil
}

func (m *Model) keyScan(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Confirm):
		m.showSecret = false
		m.focus(stateCode1)
	case key.Matches(msg, m.keys.Secret) && m.qrFits():
		m.showSecret = !m.showSecret
	case key.Matches(msg, m.keys.Cancel, m.keys.Quit):
		return m.cancel(msg.Type == tea.KeyCtrlC)
	}
	return nil
}

// keyCode handles the three code inputs: digits go to the focused input, enter submits six of them.
func (m *Model) keyCode(msg tea.KeyMsg) tea.Cmd {
	i := m.focused()
	switch {
	case m.state.holdsDevice() && key.Matches(msg, m.keys.Cancel, m.keys.Quit):
		return m.cancel(msg.Type == tea.KeyCtrlC)
	case m.state == stateCode3 && key.Matches(msg, m.keys.Cancel):
		// The device is enabled; the session can start later, when something needs it.
		return tea.Batch(msgCmd(common.RefreshMsg{}), msgCmd(common.BackMsg{}))
	case m.state.holdsDevice() && key.Matches(msg, m.keys.Secret):
		m.showSecret = !m.showSecret
	case key.Matches(msg, m.keys.Confirm):
		return m.submit(i)
	case m.state == stateCode2 && msg.Type == tea.KeyBackspace && m.codes[1].Value() == "":
		m.focus(stateCode1) // back to fix the first code
	default:
		m.codes[i].Update(msg)
	}
	return nil
}

// submit acts on enter in a code state; an incomplete code does nothing (enter is disabled in help).
func (m *Model) submit(i int) tea.Cmd {
	if !awsx.IsMFACode(m.codes[i].Value()) {
		return nil
	}
	switch m.state {
	case stateCode1:
		m.focus(stateCode2)
	case stateCode2:
		c1, c2 := m.codes[0].Value(), m.codes[1].Value()
		if c1 == c2 {
			m.err = errSameCode
			m.codes[1].Reset()
			return nil
		}
		return m.busyCmd(stateEnabling, enableCmd(targetOf(m.ctx), m.user, m.serial, c1, c2))
	case stateCode3:
		return m.busyCmd(stateStarting, startCmd(targetOf(m.ctx), m.serial, m.codes[2].Value()))
	}
	return nil
}

var errSameCode = errors.New("the second code must be the next one; wait until your app shows a new code and enter that")

// focus moves to a code state and focuses its input.
func (m *Model) focus(s state) {
	m.state = s
	for i := range m.codes {
		m.codes[i].Blur()
	}
	m.codes[m.focused()].Focus()
}

// cancel deletes the unfinished device in the background and forgets its secret at once.
func (m *Model) cancel(quit bool) tea.Cmd {
	serial := m.serial
	m.forget()
	call := cancelCmd(targetOf(m.ctx), serial)
	if quit {
		// ctrl+c means leave now: the delete still runs (a denied one leaves only a harmless device).
		return tea.Sequence(call, tea.Quit)
	}
	return m.busyCmd(stateCancelling, call)
}

func (m *Model) onEnrolled(msg enrolledMsg) tea.Cmd {
	if m.state != stateCreating {
		return nil
	}
	if msg.err != nil {
		m.state, m.err = stateIntro, msg.err
		return nil
	}
	m.state, m.enr, m.user, m.serial, m.replaced = stateScan, msg.enr, msg.user, msg.enr.Serial, msg.enr.Replaced
	if m.ctx.Demo != nil && m.ctx.Demo.Code != nil {
		return demoCodeCmd(m.ctx.Demo.Code, m.serial, 0)
	}
	return nil
}

func (m *Model) onEnabled(msg enabledMsg) tea.Cmd {
	if m.state != stateEnabling {
		return nil
	}
	if msg.err != nil {
		// Wrong or reused codes (or a failed call): say so, clear both codes, start over from code 1.
		m.err = msg.err
		m.codes[0].Reset()
		m.codes[1].Reset()
		m.focus(stateCode1)
		return nil
	}
	m.forget() // enabled: the app has the secret and kagi no longer needs it
	m.focus(stateCode3)
	return nil
}

func (m *Model) onStarted(msg startedMsg) tea.Cmd {
	if m.state != stateStarting {
		return nil
	}
	if msg.err != nil {
		m.err = msg.err
		m.codes[2].Reset()
		m.focus(stateCode3)
		return nil
	}
	m.state = stateDone
	m.forget()
	m.demoCode = ""
	for i := range m.codes {
		m.codes[i].Reset()
		m.codes[i].Blur()
	}
	return msgCmd(common.RefreshMsg{})
}

func (m *Model) onCancelled(msg cancelledMsg) tea.Cmd {
	if m.state != stateCancelling {
		return nil
	}
	m.demoCode = ""
	if msg.err == nil {
		m.state = stateCancelled
		return msgCmd(common.BackMsg{})
	}
	// Non-fatal either way: the device stays unassigned and the next attempt takes a new name.
	m.state, m.note = stateCancelled, sentence(msg.err)
	return nil
}

func (m *Model) onDemoCode(msg demoCodeMsg) tea.Cmd {
	live := m.state != stateIntro && m.state != stateCreating && m.state != stateDone &&
		m.state != stateCancelling && m.state != stateCancelled
	if !live || msg.serial != m.serial || m.ctx.Demo == nil {
		return nil // the set-up ended: the refresh chain stops here
	}
	m.demoCode = msg.code
	return demoCodeCmd(m.ctx.Demo.Code, m.serial, demoRefresh)
}

// sentence is the one line shown for err: awsx's onboarding errors carry their own sentence, which says
// more than the class of the AWS error they wrap.
func sentence(err error) string {
	var codes *awsx.CodesError
	var leftover *awsx.LeftoverError
	var enrolled *awsx.AlreadyEnrolledError
	switch {
	case errors.As(err, &codes):
		return capitalize(codes.Error()) + "."
	case errors.As(err, &leftover):
		return capitalize(leftover.Error()) + "."
	case errors.As(err, &enrolled):
		return capitalize(enrolled.Error()) + "."
	case errors.Is(err, errSameCode):
		return capitalize(errSameCode.Error()) + "."
	}
	return common.Sentence(err)
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
