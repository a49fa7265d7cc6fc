package common

import "github.com/charmbracelet/bubbles/key"

// GlobalKeys are handled by the root on every screen.
type GlobalKeys struct {
	Help key.Binding
	Back key.Binding
	Quit key.Binding
}

// NewGlobalKeys returns the root's bindings.
func NewGlobalKeys() GlobalKeys {
	return GlobalKeys{
		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}
