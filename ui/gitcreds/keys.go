package gitcreds

import "github.com/charmbracelet/bubbles/key"

type keyMap struct {
	Up     key.Binding
	Down   key.Binding
	Gate   key.Binding // the MFA gate's enter, while it asks for a code
	Submit key.Binding // "I copied it", while a new password is shown
	Create key.Binding
	Reset  key.Binding
	Toggle key.Binding
	Delete key.Binding
	Yes    key.Binding
	No     key.Binding
	Retry  key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "I copied it: hide it for good")),
		Create: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new credential")),
		Reset:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reset password")),
		Toggle: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "deactivate")),
		Delete: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		Yes:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "cancel")),
		Retry:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "try again")),
	}
}

// ShortHelp lists the bindings; help hides the disabled ones.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Gate, k.Submit, k.Yes, k.No, k.Up, k.Down, k.Create, k.Reset, k.Toggle, k.Delete, k.Retry}
}

// FullHelp groups navigation apart from actions.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Gate, k.Submit, k.Yes, k.No, k.Up, k.Down}, {k.Create, k.Reset, k.Toggle, k.Delete, k.Retry}}
}

// enableKeys switches on exactly the bindings that apply now, so help stays truthful.
func (m *Model) enableKeys() {
	k := &m.keys
	list := m.state == stateList && m.secret == nil
	sel, ok := m.selected()
	k.Gate = m.gate.KeyMap.Submit
	k.Gate.SetEnabled(k.Gate.Enabled() && m.secret == nil) // enter hides a password first
	k.Submit.SetEnabled(m.secret != nil)
	confirming := m.state == stateConfirmReset || m.state == stateConfirmDelete
	k.Yes.SetEnabled(confirming)
	k.No.SetEnabled(confirming)
	k.Yes.SetHelp("y", map[state]string{stateConfirmReset: "reset", stateConfirmDelete: "delete"}[m.state])
	k.Up.SetEnabled(list && len(m.list) > 1)
	k.Down.SetEnabled(list && len(m.list) > 1)
	k.Create.SetEnabled(list)
	k.Reset.SetEnabled(list && ok)
	k.Toggle.SetEnabled(list && ok)
	k.Toggle.SetHelp("i", "deactivate")
	if ok && sel.Status != statusActive {
		k.Toggle.SetHelp("i", "activate")
	}
	k.Delete.SetEnabled(list && ok)
	k.Retry.SetEnabled(m.state == stateFailed)
}
