package mfadevice

import "github.com/charmbracelet/bubbles/key"

type keyMap struct {
	Up      key.Binding
	Down    key.Binding
	Resync  key.Binding
	Remove  key.Binding
	Replace key.Binding
	SetUp   key.Binding
	Gate    key.Binding // the MFA gate's enter, while it asks for a code
	Submit  key.Binding // a resync code
	Next    key.Binding
	Prev    key.Binding
	Yes     key.Binding
	No      key.Binding
	Cancel  key.Binding
	Retry   key.Binding
	// Quit is ctrl+c while the screen handles Esc itself (the root then passes both on); the root's help
	// lists it.
	Quit key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Resync:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "resync")),
		Remove:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "remove")),
		Replace: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "replace")),
		SetUp:   key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "set up a new device")),
		Submit:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit")),
		Next:    key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "other code")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "other code")),
		Yes:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "remove")),
		No:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "keep it")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the list")),
		Retry:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "try again")),
		Quit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// ShortHelp lists the bindings; help hides the disabled ones.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Gate, k.Submit, k.Yes, k.No, k.Up, k.Down, k.Resync, k.Remove, k.Replace, k.SetUp, k.Next, k.Cancel, k.Retry}
}

// FullHelp groups moving around apart from actions.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Gate, k.Submit, k.Yes, k.No, k.Up, k.Down, k.Next, k.Prev, k.Cancel},
		{k.Resync, k.Remove, k.Replace, k.SetUp, k.Retry},
	}
}

// enableKeys switches on exactly the bindings that apply now, so help stays truthful.
func (m *Model) enableKeys() {
	k := &m.keys
	list := m.state == stateList
	sel, ok := m.selected()
	k.Up.SetEnabled(list && len(m.devices) > 1)
	k.Down.SetEnabled(list && len(m.devices) > 1)
	k.Resync.SetEnabled(list && ok && hasCodes(sel.SerialNumber))
	k.Remove.SetEnabled(list && ok)
	k.Replace.SetEnabled(list && m.canReplace())
	k.SetUp.SetEnabled(list && m.canSetUp())

	k.Gate = m.gate.KeyMap.Submit
	k.Submit.SetEnabled(m.state == stateResync)
	switch {
	case m.focus == 0:
		k.Submit.SetHelp("enter", "next code")
	default:
		k.Submit.SetHelp("enter", "resync")
	}
	k.Next.SetEnabled(m.state == stateResync)
	k.Prev.SetEnabled(m.state == stateResync)

	k.Yes.SetEnabled(m.state == stateConfirm)
	k.No.SetEnabled(m.state == stateConfirm)
	k.Yes.SetHelp("y", "remove")
	if m.action == actionReplace {
		k.Yes.SetHelp("y", "remove and set up a new one")
	}
	k.Cancel.SetEnabled(m.form())
	k.Retry.SetEnabled(m.state == stateFailed)
}
