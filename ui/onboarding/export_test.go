package onboarding

import tea "github.com/charmbracelet/bubbletea"

// IsDemoCode reports whether msg is a demo authenticator refresh, whose follow-up command is a one-second
// tick the tests do not wait for.
func IsDemoCode(msg tea.Msg) bool {
	_, ok := msg.(demoCodeMsg)
	return ok
}

// DemoCodeFor builds the refresh message the demo tick would deliver.
func DemoCodeFor(serial, code string) tea.Msg { return demoCodeMsg{serial: serial, code: code} }
