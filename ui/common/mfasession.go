package common

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/session/warm"
)

// The self-service screens (password, access keys, Git credentials, MFA device) sign with the user's MFA
// session. The engine would ask for a missing code on /dev/tty, underneath bubbletea; these helpers let the
// screen ask instead (ui/components/mfagate) and hand the engine the typed code through Tokens, so the
// terminal is never read behind the UI's back. A profile's mfa_process still gives the code, as on the
// command line.

// CallTimeout bounds one screen command (an STS or IAM call, or a short chain of them).
const CallTimeout = time.Minute

// ErrMFACodeNeeded: the MFA session is not cached and no code was given; the screen asks for one.
var ErrMFACodeNeeded = errors.New("an MFA code is needed to open the MFA session")

// ErrMFACodeJustUsed: the typed code was sent moments ago; AWS accepts each code once.
var ErrMFACodeJustUsed = errors.New("that MFA code was just used; wait for your authenticator to show the next code and enter that one")

// SelfServiceMsg is the outcome of OpenSelfService.
type SelfServiceMsg struct {
	SS     *session.SelfService
	Serial string // the MFA device a code is for, when Err is ErrMFACodeNeeded
	Err    error
}

// MFACodeNeeded reports whether opening the self-service credentials of c.Profile needs a code typed in the
// screen, and for which device: the user has an MFA device, no MFA session is cached, and the profile has no
// mfa_process (the engine runs it for the code). It reads only the config and the keyring's item names — no
// AWS call — so a screen can show the code input at once instead of a spinner. A broken config reports
// false: OpenSelfService then returns the error.
func MFACodeNeeded(c *Context) (serial string, needed bool) {
	serial, process, fresh := mfaNeeds(c)
	return serial, fresh && process == ""
}

// MFASessionNeeded reports whether opening the self-service credentials of c.Profile would start a new MFA
// session, with a code typed or from mfa_process: the user has an MFA device and no MFA session is cached.
// Like MFACodeNeeded it makes no AWS call, and a broken config reports false.
func MFASessionNeeded(c *Context) bool {
	_, _, fresh := mfaNeeds(c)
	return fresh
}

// mfaNeeds picks the MFA device and mfa_process as session.Engine.SelfService does (the source's, else the
// nearest role's; the device kagi recorded for the source when the config names none), and reports whether
// a new MFA session would be needed.
func mfaNeeds(c *Context) (serial, process string, fresh bool) {
	e := c.Engine
	chain, err := e.Config.Chain(c.Profile)
	if err != nil {
		return "", "", false
	}
	source := chain[len(chain)-1]
	for i := len(chain) - 1; i >= 0; i-- {
		if serial == "" {
			serial = chain[i].MFASerial
		}
		if process == "" {
			process = chain[i].MFAProcess
		}
	}
	if serial == "" {
		serial = e.RecordedSerial(source.Name)
	}
	if serial == "" {
		return "", process, false
	}
	window := e.Window
	if window <= 0 {
		window = warm.DefaultWindow
	}
	now := engineNow(c)
	_, ok, err := e.Store.EntryAt(warm.KindSession, source.Name, now, now.Add(window))
	return serial, process, err == nil && !ok
}

// OpenSelfService returns a command that opens the self-service credentials of c.Profile, using code (the
// 6-digit code typed in the screen, "" when MFACodeNeeded said none is needed) if the engine must start an
// MFA session and the profile has no mfa_process. It never prompts: without a code where one is needed, the
// message's Err is ErrMFACodeNeeded.
func OpenSelfService(c *Context, code string) tea.Cmd {
	engine, profile := QuietEngine(c), c.Profile
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
		defer cancel()
		ss, err := engine.SelfService(WithMFACode(ctx, code), profile)
		msg := SelfServiceMsg{SS: ss, Err: err}
		var need *NeedCodeError
		if errors.As(err, &need) {
			msg.Serial = need.Serial
		}
		for _, own := range []error{ErrMFACodeNeeded, ErrMFACodeJustUsed} {
			if errors.Is(err, own) {
				msg.Err = own // the engine's "get an MFA session for profile …" prefix adds nothing in the screen
			}
		}
		return msg
	}
}

// QuietEngine is c.Engine for calls a screen's commands make (Rotate, for one): it never prompts; it runs the
// profile's mfa_process, and where it needs a typed code it fails with ErrMFACodeNeeded (wrapped), so the
// screen can ask for one and open the session with OpenSelfService. It is a copy: fields the call changes
// (Engine.Creds after a rotation of a key in the credentials file) stay on the copy.
func QuietEngine(c *Context) *session.Engine {
	return withTokens(c.Engine, NewTokens(c.Engine))
}

// NewMFACodeInput is the 6-digit code field of the MFA prompts (mfagate, the roles screen), focused.
func NewMFACodeInput() Field {
	f := Field{Prompt: "MFA code: ", Placeholder: "6 digits", Limit: 6, Digits: true}
	f.Focus()
	return f
}

// ValidMFACode reports whether s is a 6-digit code, so a screen submits only complete codes.
func ValidMFACode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func engineNow(c *Context) time.Time {
	if c.Engine.Now != nil {
		return c.Engine.Now()
	}
	return c.Clock()
}

// Field is a one-line text input, masked for passwords. bubbles/textinput would do, but it imports
// github.com/atotto/clipboard, which go.sum does not pin; a field without a blinking cursor also keeps
// golden views stable.
type Field struct {
	Prompt      string
	Placeholder string
	Masked      bool // show one '*' per character
	Digits      bool // accept only 0-9
	Limit       int  // 0: no limit
	value       []rune
	focused     bool
}

// Focus makes the field take typed keys; Blur stops it.
func (f *Field) Focus() { f.focused = true }

// Blur stops the field from taking keys.
func (f *Field) Blur() { f.focused = false }

// Focused reports whether the field takes typed keys.
func (f *Field) Focused() bool { return f.focused }

// Value is the text entered.
func (f *Field) Value() string { return string(f.value) }

// SetValue replaces the text.
func (f *Field) SetValue(s string) { f.value = []rune(s) }

// Reset empties the field, overwriting the old text first (it may be a password).
func (f *Field) Reset() {
	for i := range f.value {
		f.value[i] = 0
	}
	f.value = nil
}

// Update edits a focused field with a key press (typing and pasting, backspace, ctrl+u, ctrl+w) and
// reports whether the key was used.
func (f *Field) Update(msg tea.KeyMsg) bool {
	if !f.focused {
		return false
	}
	switch msg.Type {
	case tea.KeyRunes, tea.KeySpace:
		runes := msg.Runes
		if msg.Type == tea.KeySpace {
			runes = []rune{' '}
		}
		for _, r := range runes {
			if unicode.IsPrint(r) && (!f.Digits || (r >= '0' && r <= '9')) && (f.Limit == 0 || len(f.value) < f.Limit) {
				f.value = append(f.value, r)
			}
		}
	case tea.KeyBackspace:
		if n := len(f.value); n > 0 {
			f.value[n-1] = 0
			f.value = f.value[:n-1]
		}
	case tea.KeyCtrlU:
		f.Reset()
	case tea.KeyCtrlW:
		s := strings.TrimRightFunc(string(f.value), unicode.IsSpace)
		s = s[:strings.LastIndexFunc(s, unicode.IsSpace)+1]
		f.Reset()
		f.value = []rune(s)
	default:
		return false
	}
	return true
}

// View renders the prompt and the text (or its mask), with a block cursor when focused.
func (f *Field) View(s *Styles) string {
	prompt, cursor := s.Label.Render(f.Prompt), ""
	if f.focused {
		prompt, cursor = s.Selected.Render(f.Prompt), "█"
	}
	text := s.Value.Render(string(f.value))
	switch {
	case len(f.value) == 0 && f.Placeholder != "":
		text = s.Muted.Render(f.Placeholder)
		if f.focused {
			return prompt + cursor + text
		}
	case f.Masked:
		text = s.Value.Render(strings.Repeat("*", len(f.value)))
	}
	return prompt + text + cursor
}
