package password

import (
	"errors"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
)

// The form's own one-sentence errors, shown before anything is sent.
var (
	errNoCurrent    = errors.New("enter your current password, the one you sign in to the AWS console with")
	errRulesUnmet   = errors.New("the new password does not meet every rule of the password policy yet")
	errMismatch     = errors.New("the two new passwords differ; type the same password twice")
	errSameAsBefore = errors.New("the new password is the same as the current one; choose a different one")
)

func (m *Model) formKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Submit) && m.focus == fieldConfirm:
		return m.submit()
	case key.Matches(msg, m.keys.Submit), key.Matches(msg, m.keys.Next):
		m.focusField((m.focus + 1) % len(m.fields))
	case key.Matches(msg, m.keys.Prev):
		m.focusField((m.focus + len(m.fields) - 1) % len(m.fields))
	case key.Matches(msg, m.keys.Generate):
		return generate(m.policy)
	case key.Matches(msg, m.keys.Reveal):
		m.revealed = m.generated != ""
	default:
		if m.fields[m.focus].Update(msg) && m.focus != fieldCurrent && m.generated != "" {
			// Once edited, the fields no longer hold the generated password: it is no longer worth revealing.
			m.generated, m.revealed = "", false
		}
	}
	return nil
}

func (m *Model) focusField(i int) {
	m.fields[m.focus].Blur()
	m.focus = i
	m.fields[i].Focus()
}

// submit checks the form locally, then sends ChangePassword.
func (m *Model) submit() tea.Cmd {
	current, next, confirm := m.fields[fieldCurrent].Value(), m.fields[fieldNew].Value(), m.fields[fieldConfirm].Value()
	switch {
	case current == "":
		m.err = errNoCurrent
		m.focusField(fieldCurrent)
		return nil
	case !awsx.PasswordOK(awsx.CheckPassword(m.policy, next)):
		m.err = errRulesUnmet
		m.focusField(fieldNew)
		return nil
	case next != confirm:
		m.err = errMismatch
		return nil
	case next == current:
		m.err = errSameAsBefore
		m.focusField(fieldNew)
		return nil
	}
	m.state, m.err = stateSaving, nil
	m.fields[m.focus].Blur()
	return tea.Batch(changePassword(m.api, current, next), m.spin.Tick)
}

func (m *Model) generatedPassword(msg generatedMsg) {
	if m.err = msg.err; msg.err != nil {
		return
	}
	m.fields[fieldNew].SetValue(msg.password)
	m.fields[fieldConfirm].SetValue(msg.password)
	m.generated, m.revealed = msg.password, false
}

func (m *Model) changed(msg changedMsg) tea.Cmd {
	if msg.err == nil {
		m.forget()
		m.state = stateDone
		return refresh
	}
	m.state, m.err = stateForm, msg.err
	focus := fieldNew
	var pe *awsx.PasswordError
	if errors.As(msg.err, &pe) && pe.Problem == awsx.PasswordWrongCurrent {
		m.fields[fieldCurrent].Reset()
		focus = fieldCurrent
	}
	m.focusField(focus)
	return nil
}

// sentence is the one sentence shown for err: a refused change says exactly why (awsx.PasswordError's own
// text is more precise than its AWS error class), anything else as every screen says it.
func sentence(err error) string {
	var pe *awsx.PasswordError
	if errors.As(err, &pe) {
		return awsx.Humanize(errors.New(pe.Error()))
	}
	return common.Sentence(err)
}
