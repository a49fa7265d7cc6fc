package roles

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/kagi-cli/kagi/ui/common"
)

// keyMap is the roles screen's bindings. KeyMap() hands the root a copy with the bindings that apply to the
// current state enabled, and Update matches against that same copy, so help never offers a dead key.
type keyMap struct {
	Up      key.Binding
	Down    key.Binding
	Assume  key.Binding
	Shell   key.Binding
	Refresh key.Binding
	Submit  key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "select")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Assume:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "assume")),
		Shell:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "shell")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Submit:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit code")),
	}
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Assume, k.Submit, k.Shell, k.Up, k.Refresh} // Up's help names both arrows
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding {
	up := k.Up
	up.SetHelp("↑/k", "up")
	return [][]key.Binding{{up, k.Down}, {k.Assume, k.Shell, k.Refresh}, {k.Submit}}
}

// active returns the bindings that apply to m's state.
func (m *Model) active() keyMap {
	k := m.keys
	list := m.state == stateList
	k.Up.SetEnabled(list && len(m.rows) > 1)
	k.Down.SetEnabled(list && len(m.rows) > 1)
	k.Assume.SetEnabled(list && len(m.rows) > 0)
	k.Shell.SetEnabled(list && m.selectedValid())
	k.Refresh.SetEnabled(list)
	k.Submit.SetEnabled(m.state == stateCode && common.ValidMFACode(m.input.Value()))
	return k
}
