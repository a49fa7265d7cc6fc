package mfadevice

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/components/mfagate"
)

// The screen's own one-sentence errors, shown before anything is sent.
var (
	errNextCode = errors.New("enter the next code too, once your authenticator shows it")
	errSameCode = errors.New("the second code must be the next one; wait until your authenticator shows a new code and enter that")
)

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if m.form() { // HandlesBack: the root gives these two keys to the screen
		switch {
		case key.Matches(msg, m.keys.Quit):
			m.forget()
			return tea.Quit
		case key.Matches(msg, m.keys.Cancel):
			m.forget()
			m.state, m.err = stateList, nil
			return nil
		}
	}
	switch m.state {
	case stateList:
		return m.listKey(msg)
	case stateFailed:
		if key.Matches(msg, m.keys.Retry) {
			m.err = nil
			return m.reload()
		}
	case stateResync:
		return m.resyncKey(msg)
	case stateConfirm:
		return m.confirmKey(msg)
	case stateGate:
		var cmd tea.Cmd
		m.gate, cmd = m.gate.Update(msg)
		return cmd
	}
	return nil
}

func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	sel, ok := m.selected()
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, m.keys.Down):
		m.cursor = min(m.cursor+1, max(len(m.devices)-1, 0))
	case key.Matches(msg, m.keys.Resync) && ok && hasCodes(sel.SerialNumber):
		m.begin(stateResync, sel.SerialNumber)
		m.focusCode(0)
	case key.Matches(msg, m.keys.Remove) && ok:
		m.begin(stateConfirm, sel.SerialNumber)
		m.action = actionRemove
	case key.Matches(msg, m.keys.Replace) && m.canReplace():
		m.begin(stateConfirm, sel.SerialNumber)
		m.action = actionReplace
	case key.Matches(msg, m.keys.SetUp) && m.canSetUp():
		return msgCmd(common.NavigateMsg{To: common.ScreenOnboarding})
	}
	return nil
}

// begin starts an action on a device: what the last one said is cleared.
func (m *Model) begin(s state, serial string) {
	m.state, m.target, m.err, m.notice, m.notes = s, serial, nil, "", nil
}

// canReplace: the onboarding screen can enrol a new device only once the user has none, and only when the
// config does not pin the old one (the engine would keep asking for its codes until the config is edited).
func (m *Model) canReplace() bool { return len(m.devices) == 1 && !m.known.FromConfig }

// canSetUp: no device left, and no mfa_serial naming a removed one.
func (m *Model) canSetUp() bool { return len(m.devices) == 0 && !m.known.FromConfig }

// hasCodes: a device that shows TOTP codes (virtual or hardware token) can be resynchronized; a FIDO
// security key cannot.
func hasCodes(serial string) bool { return !strings.Contains(serial, ":u2f/") }

func (m *Model) resyncKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Next), key.Matches(msg, m.keys.Prev):
		m.focusCode(1 - m.focus)
	case key.Matches(msg, m.keys.Submit):
		return m.submitCodes()
	case m.focus == 1 && msg.Type == tea.KeyBackspace && m.codes[1].Value() == "":
		m.focusCode(0) // back to fix the first code
	default:
		m.codes[m.focus].Update(msg)
	}
	return nil
}

func (m *Model) focusCode(i int) {
	m.codes[m.focus].Blur()
	m.focus = i
	m.codes[i].Focus()
}

// submitCodes moves on from a complete first code, and sends a complete pair.
func (m *Model) submitCodes() tea.Cmd {
	c1, c2 := m.codes[0].Value(), m.codes[1].Value()
	switch {
	case !awsx.IsMFACode(c1):
		m.err = mfagate.ErrEnterCode
		m.focusCode(0)
		return nil
	case m.focus == 0:
		m.err = nil
		m.focusCode(1)
		return nil
	case !awsx.IsMFACode(c2):
		m.err = errNextCode
		return nil
	case c1 == c2:
		m.err = errSameCode
		m.codes[1].Reset()
		return nil
	}
	m.forget() // each code works once: a failed pair is typed again
	m.state, m.err = stateResyncing, nil
	return tea.Batch(resync(targetOf(m.ctx), m.user, m.target, c1, c2), m.spin.Tick)
}

func (m *Model) resynced(msg resyncedMsg) {
	if m.state != stateResyncing {
		return
	}
	if msg.err != nil {
		m.state, m.err = stateResync, msg.err
		m.focusCode(0)
		return
	}
	m.state, m.notice = stateList, fmt.Sprintf("Resynchronized MFA device %s; its next codes will work.", msg.serial)
}

func (m *Model) confirmKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Yes):
		// The forced-MFA policy allows DeactivateMFADevice only with MFA: ask for the code at once when the
		// MFA session is not cached (no spinner first).
		if serial, needed := common.MFACodeNeeded(m.ctx); needed {
			m.state = stateGate
			return m.gate.Ask(serial)
		}
		return m.startRemove()
	case key.Matches(msg, m.keys.No):
		m.state = stateList
	}
	return nil
}

func (m *Model) startRemove() tea.Cmd {
	m.state, m.err = stateRemoving, nil
	return tea.Batch(remove(common.QuietEngine(m.ctx), m.ctx.AWS, m.ctx.Profile, m.user, m.target), m.spin.Tick)
}

func (m *Model) removed(msg removedMsg) tea.Cmd {
	if m.state != stateRemoving {
		return nil
	}
	switch {
	case errors.Is(msg.err, common.ErrMFACodeNeeded):
		// No session cached (or it just ran out). With no device known, RemoveMFADevice recorded the target.
		serial := m.known.Serial
		if serial == "" {
			serial = msg.serial
		}
		m.state = stateGate
		return m.gate.Ask(serial)
	case msg.err != nil: // list again: AWS may have done part of it
		m.err = msg.err
		return m.reload()
	}
	r := msg.res
	m.notice = fmt.Sprintf("Removed MFA device %s and %s.", msg.serial, plural(r.Sessions, "cached session"))
	if r.Leftover != nil {
		m.notes = append(m.notes, sentence(r.Leftover, msg.serial))
	}
	if r.FromConfig {
		m.notes = append(m.notes, fmt.Sprintf("Delete mfa_serial from the profile %s uses in %s (it names the removed device), then restart kagi to set up a new one.", r.Source, m.ctx.Engine.Config.Path))
	}
	if m.action == actionReplace {
		return msgCmd(common.NavigateMsg{To: common.ScreenOnboarding})
	}
	// No RefreshMsg: the dashboard reloads when the user goes back to it, and reloading now would make it send
	// a user without MFA to onboarding at once, hiding what this screen has to say.
	return m.reload()
}

// sentence is the one sentence shown for err about device serial: awsx's typed self-service errors say more
// than the class of the AWS error they wrap.
func sentence(err error, serial string) string {
	var (
		le *awsx.LeftoverError
		ce *awsx.CodesError
	)
	switch {
	case errors.As(err, &le):
		return awsx.Humanize(errors.New(le.Error()))
	case errors.As(err, &ce):
		return awsx.Humanize(fmt.Errorf("those codes are not two consecutive codes from %s; enter the code it shows now, then the next one after it changes, and check that its clock is right", serial))
	}
	return common.Sentence(err)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
