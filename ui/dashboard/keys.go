package dashboard

import "github.com/charmbracelet/bubbles/key"

// keyMap is the dashboard's bindings; active() enables those that apply, for help and matching alike.
type keyMap struct {
	Up      key.Binding
	Down    key.Binding
	Open    key.Binding
	Refresh key.Binding
	Quit    key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "select")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Quit:    key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Up, k.Refresh, k.Quit} // Up's help names both arrows
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding {
	up := k.Up
	up.SetHelp("↑/k", "up")
	return [][]key.Binding{{up, k.Down, k.Open}, {k.Refresh, k.Quit}}
}

func (m *Model) active() keyMap {
	k := m.keys
	n := len(m.enabledItems())
	k.Up.SetEnabled(n > 1)
	k.Down.SetEnabled(n > 1)
	k.Open.SetEnabled(m.itemEnabled(m.cursor))
	k.Refresh.SetEnabled(!m.loading())
	return k
}
