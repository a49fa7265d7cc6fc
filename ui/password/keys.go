package password

import "github.com/charmbracelet/bubbles/key"

// keyMap holds the screen's bindings. Letters are password characters, so the form's actions use ctrl keys.
type keyMap struct {
	Next     key.Binding
	Prev     key.Binding
	Submit   key.Binding
	Generate key.Binding
	Reveal   key.Binding
	Retry    key.Binding
	Gate     key.Binding // the MFA gate's enter, while it asks for a code
}

func newKeyMap() keyMap {
	return keyMap{
		Next:     key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field")),
		Prev:     key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous field")),
		Submit:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit")),
		Generate: key.NewBinding(key.WithKeys("ctrl+g"), key.WithHelp("ctrl+g", "generate a password")),
		Reveal:   key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reveal the generated password")),
		Retry:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "try again")),
	}
}

// ShortHelp lists the enabled bindings; help hides disabled ones.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Submit, k.Next, k.Prev, k.Generate, k.Reveal, k.Retry, k.Gate}
}

// FullHelp is ShortHelp in one column.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// enable switches on exactly the bindings that apply in the model's current state, so help stays truthful.
func (m *Model) enableKeys() {
	k := &m.keys
	form := m.state == stateForm
	k.Gate = m.gate.KeyMap.Submit
	k.Submit.SetEnabled(form || m.state == stateDone)
	switch {
	case m.state == stateDone:
		k.Submit.SetHelp("enter", "done")
	case m.focus < fieldConfirm:
		k.Submit.SetHelp("enter", "next field")
	default:
		k.Submit.SetHelp("enter", "change the password")
	}
	k.Next.SetEnabled(form)
	k.Prev.SetEnabled(form)
	k.Generate.SetEnabled(form)
	k.Reveal.SetEnabled(form && m.generated != "" && !m.revealed)
	k.Retry.SetEnabled(m.state == stateFailed)
}
