package accesskeys

import "github.com/charmbracelet/bubbles/key"

type keyMap struct {
	Up     key.Binding
	Down   key.Binding
	Gate   key.Binding // the MFA gate's enter, while it asks for a code
	Rotate key.Binding
	Toggle key.Binding
	Delete key.Binding
	Secret key.Binding
	Used   key.Binding
	Yes    key.Binding
	No     key.Binding
	Retry  key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Rotate: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rotate kagi's key")),
		Toggle: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "deactivate")),
		Delete: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		Secret: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "show the new secret once")),
		Used:   key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "look up last use")),
		Yes:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "no")),
		Retry:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "try again")),
	}
}

// ShortHelp lists the bindings; help hides the disabled ones.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Gate, k.Yes, k.No, k.Up, k.Down, k.Rotate, k.Toggle, k.Delete, k.Secret, k.Used, k.Retry}
}

// FullHelp groups navigation apart from actions.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Gate, k.Yes, k.No, k.Up, k.Down}, {k.Rotate, k.Toggle, k.Delete, k.Secret, k.Used, k.Retry}}
}

// enableKeys switches on exactly the bindings that apply now, so help stays truthful.
func (m *Model) enableKeys() {
	k := &m.keys
	list := m.state == stateList && m.secret == nil
	sel, ok := m.selected()
	stored := ok && sel.ID == m.stored
	k.Gate = m.gate.KeyMap.Submit
	confirming := m.state == stateConfirmRotate || m.state == stateConfirmOld || m.state == stateConfirmDelete
	k.Yes.SetEnabled(confirming)
	k.No.SetEnabled(confirming)
	k.Yes.SetHelp("y", map[state]string{stateConfirmRotate: "rotate", stateConfirmOld: "delete the old key", stateConfirmDelete: "delete"}[m.state])
	k.No.SetHelp("n", map[state]string{stateConfirmRotate: "cancel", stateConfirmOld: "keep it inactive", stateConfirmDelete: "cancel"}[m.state])
	k.Up.SetEnabled(list && len(m.list) > 1)
	k.Down.SetEnabled(list && len(m.list) > 1)
	k.Rotate.SetEnabled(list && m.stored != "")
	k.Used.SetEnabled(list && len(m.list) > 0 && !m.list[0].LastUsedAsked)
	// kagi's own key is never deactivated or deleted here: that would lock kagi out; rotation replaces it.
	k.Toggle.SetEnabled(list && ok && !(stored && sel.Active()))
	k.Toggle.SetHelp("i", "deactivate")
	if ok && !sel.Active() {
		k.Toggle.SetHelp("i", "activate")
	}
	k.Delete.SetEnabled(list && ok && !stored)
	k.Secret.SetEnabled((list && m.canReveal) || m.secret != nil)
	k.Secret.SetHelp("x", "show the new secret once")
	if m.secret != nil {
		k.Secret.SetHelp("x", "hide it for good")
	}
	k.Retry.SetEnabled(m.state == stateFailed)
}
