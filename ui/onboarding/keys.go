package onboarding

import "github.com/charmbracelet/bubbles/key"

// keyMap holds the screen's bindings. KeyMap() returns a copy with only the bindings that apply in the
// current state enabled and their help text set for it, so the help line never offers a dead key.
type keyMap struct {
	Confirm key.Binding // enter: start, next, submit, continue
	Secret  key.Binding // s: show or hide the key as text
	Cancel  key.Binding // esc while a device is unfinished: delete it, then go back
	Quit    key.Binding // ctrl+c while a device is unfinished: delete it, then quit
}

func newKeyMap() keyMap {
	return keyMap{
		Confirm: key.NewBinding(key.WithKeys("enter")),
		Secret:  key.NewBinding(key.WithKeys("s")),
		Cancel:  key.NewBinding(key.WithKeys("esc")),
		Quit:    key.NewBinding(key.WithKeys("ctrl+c")),
	}
}

// ShortHelp implements help.KeyMap. Quit is not listed: the root's "ctrl+c quit" already says it.
func (k keyMap) ShortHelp() []key.Binding { return []key.Binding{k.Confirm, k.Secret, k.Cancel} }

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// keysFor returns the bindings of state s. canSubmit says the focused code input holds six digits;
// secretToggle says 's' has something to show or hide.
func (k keyMap) keysFor(s state, canSubmit, secretToggle, secretShown bool) keyMap {
	set := func(b *key.Binding, enabled bool, keyName, desc string) {
		b.SetEnabled(enabled)
		if enabled {
			b.SetHelp(keyName, desc)
		}
	}
	confirm := map[state]string{
		stateIntro: "start", stateScan: "enter codes", stateCode1: "next", stateCode2: "enable",
		stateCode3: "start session", stateDone: "continue", stateCancelled: "back",
	}[s]
	set(&k.Confirm, confirm != "" && (!s.codeEntry() || canSubmit), "enter", confirm)
	secretDesc := "show key"
	if secretShown {
		secretDesc = "hide key"
	}
	set(&k.Secret, secretToggle && s.holdsDevice(), "s", secretDesc)
	// Elsewhere esc is the root's "back", which its own help line shows.
	set(&k.Cancel, s.holdsDevice(), "esc", "cancel set-up")
	k.Quit.SetEnabled(s.holdsDevice())
	return k
}
