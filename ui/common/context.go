// Package common holds what every screen of kagi's terminal UI shares: the context (engine, profile,
// size, clock), the styles, the global key map and the messages screens use to talk to the root.
package common

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// Context is shared by pointer between the root and its screens. Screens read it; only the root writes
// Width and Height (on tea.WindowSizeMsg).
type Context struct {
	Profile string          // the user's profile (a source profile, or a role profile whose source is used)
	Engine  *session.Engine // keyring, sessions, MFA
	AWS     awsx.Config     // endpoint, region and debug log; credentials come from the engine
	Styles  *Styles
	Now     func() time.Time

	Width, Height int

	// Demo is set by `kagi demo`: a virtual authenticator for the demo account. Never set otherwise.
	Demo *Demo
}

// Demo is the demo-only virtual authenticator: it knows the demo endpoint's MFA seeds.
type Demo struct {
	// Code returns the current TOTP code of the device with this serial, or "" if unknown.
	Code func(serial string) string
	// EndpointURL of the embedded endpoint.
	EndpointURL string
}

// Clock returns the context's time source.
func (c *Context) Clock() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// IAM returns an IAM client signing with creds-provider p (from Engine.SelfService).
func (c *Context) IAM(ss *session.SelfService) awsx.Config {
	return c.AWS.WithCredentials(ss.Creds, "self-service")
}

// DemoCodeMsg is one reading of the demo authenticator (see ReadDemoCode).
type DemoCodeMsg struct {
	Gen  int    // the read loop it belongs to: a screen keeps only its newest loop going
	Code string // the current code, "" if the authenticator does not know the device
}

// ReadDemoCode reads the demo authenticator's code for serial after wait (0: now). A screen that shows a
// code field calls it again on each DemoCodeMsg of its current loop, so the code shown follows the clock.
// Outside `kagi demo` it returns nil.
func ReadDemoCode(d *Demo, serial string, gen int, wait time.Duration) tea.Cmd {
	if d == nil || d.Code == nil {
		return nil
	}
	read := func(time.Time) tea.Msg { return DemoCodeMsg{Gen: gen, Code: d.Code(serial)} }
	if wait == 0 {
		return func() tea.Msg { return read(time.Time{}) }
	}
	return tea.Tick(wait, read)
}
