package onboarding

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// codeLen is the length of a TOTP code.
const codeLen = 6

// codeInput is a six-digit field. bubbles/textinput would need github.com/atotto/clipboard, a module this
// build does not pin; a TOTP code needs none of its features (suggestions, scrolling, clipboard), so this
// small field takes digits only (typed or pasted), backspace and ctrl+u.
type codeInput struct {
	value   string
	focused bool
}

func (c *codeInput) Focus()        { c.focused = true }
func (c *codeInput) Blur()         { c.focused = false }
func (c *codeInput) Reset()        { c.value = "" }
func (c *codeInput) Value() string { return c.value }

// Update applies a key; anything that is not a digit or an editing key is ignored.
func (c *codeInput) Update(msg tea.KeyMsg) {
	if !c.focused {
		return
	}
	switch msg.Type {
	case tea.KeyRunes:
		for _, r := range msg.Runes {
			if r >= '0' && r <= '9' && len(c.value) < codeLen {
				c.value += string(r)
			}
		}
	case tea.KeyBackspace:
		if c.value != "" {
			c.value = c.value[:len(c.value)-1]
		}
	case tea.KeyCtrlU:
		c.value = ""
	}
}

// View shows the digits typed so far and an underscore for each one still missing.
func (c *codeInput) View() string {
	return c.value + strings.Repeat("_", codeLen-len(c.value))
}
