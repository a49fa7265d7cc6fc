package common

import (
	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
)

// Screen is one full-screen view under the root. Each screen package's Model implements it.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	// Title is shown in the header.
	Title() string
	// KeyMap feeds the help view; disabled bindings are not shown, so help stays truthful.
	KeyMap() help.KeyMap
	// Busy reports a call in flight: the root does not leave the screen on Esc while busy, and a second
	// submit is ignored by the screen itself.
	Busy() bool
	// Capturing reports that a text input has focus, so the root passes '?' and 'q' through as text.
	Capturing() bool
}

// ErrorLine renders err as the one-sentence inline error every screen shows.
func ErrorLine(s *Styles, err error) string {
	if err == nil {
		return ""
	}
	return s.Error.Render("✗ " + Sentence(err))
}
