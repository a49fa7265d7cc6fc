package mfadevice

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/kagi-cli/kagi/awsx"
)

// Column widths of the device table (the serial takes what is left).
const (
	kindWidth = len("hardware token")
	dateWidth = len("2006-01-02")
)

// View renders the screen body; the root draws the header and the help.
func (m *Model) View() string {
	s := m.ctx.Styles
	switch m.state {
	case stateLoading:
		if m.user == "" {
			return m.spin.View() + " " + s.Muted.Render("Reading your MFA devices…")
		}
	case stateFailed:
		return m.errorLine()
	case stateGate:
		gate := m.gate
		gate.Purpose = m.purpose()
		return gate.View()
	case stateResync, stateResyncing:
		return m.resyncView()
	}
	return m.listView()
}

func (m *Model) listView() string {
	s := m.ctx.Styles
	lines := []string{m.para(s.Value, "MFA devices of "+m.user), ""}
	if len(m.devices) == 0 {
		lines = append(lines, m.para(s.Warn, m.user+" has no MFA device: the account's policy may deny everything but setting one up."))
	} else {
		width, showKind := m.columns()
		head := fmt.Sprintf("    %-*s ", width, "Device")
		if showKind {
			head += fmt.Sprintf("%-*s ", kindWidth, "Kind")
		}
		lines = append(lines, s.Label.Render(head+"Enabled"))
		for i, d := range m.devices {
			lines = append(lines, m.row(i, d, width, showKind))
		}
	}
	if note := m.knownNote(); note != "" {
		lines = append(lines, "", m.para(s.Muted, note))
	}
	lines = append(lines, "")
	if m.notice != "" {
		lines = append(lines, m.para(s.OK, "✓ "+m.notice))
	}
	for _, n := range m.notes {
		lines = append(lines, m.para(s.Warn, n))
	}
	switch {
	case m.state == stateConfirm:
		lines = append(lines, m.para(s.Warn, m.question()))
	case m.state == stateLoading || m.state == stateRemoving:
		lines = append(lines, m.spin.View()+" "+s.Muted.Render(map[state]string{stateLoading: "Reading your MFA devices…", stateRemoving: "Removing the device…"}[m.state]))
	case m.err != nil:
		lines = append(lines, m.errorLine())
	case len(m.devices) == 0 && m.canSetUp():
		lines = append(lines, m.para(s.Muted, "Press n to set up a new device."))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// columns fits the longest serial next to the date, and the kind when there is room for it.
func (m *Model) columns() (serialWidth int, showKind bool) {
	serialWidth = len("Device")
	for _, d := range m.devices {
		serialWidth = max(serialWidth, len(d.SerialNumber))
	}
	room := m.width() - 4 - 1 - dateWidth
	if showKind = room-kindWidth-1 >= min(serialWidth, 24); showKind {
		room -= kindWidth + 1
	}
	return max(min(serialWidth, room), 6), showKind
}

func (m *Model) row(i int, d awsx.MFADevice, width int, showKind bool) string {
	s := m.ctx.Styles
	cursor, text := "  ", s.Value
	if i == m.cursor {
		cursor, text = "› ", s.Selected
	}
	mark := "  "
	if d.SerialNumber == m.known.Serial {
		mark = "* "
	}
	line := s.Selected.Render(cursor) + s.OK.Render(mark) + text.Render(fmt.Sprintf("%-*s", width, shorten(d.SerialNumber, width))) + " "
	if showKind {
		line += s.Muted.Render(fmt.Sprintf("%-*s", kindWidth, kind(d.SerialNumber))) + " "
	}
	return line + s.Value.Render(d.EnabledAt.UTC().Format(time.DateOnly))
}

// knownNote says which device kagi uses for the profile, and where that comes from.
func (m *Model) knownNote() string {
	k := m.known
	if k.Serial == "" {
		return ""
	}
	from := "kagi recorded it when you set it up"
	if k.FromConfig {
		from = "mfa_serial in " + m.ctx.Engine.Config.Path
	}
	for _, d := range m.devices {
		if d.SerialNumber == k.Serial {
			return fmt.Sprintf("* the device kagi uses for profile %s (%s).", k.Source, from)
		}
	}
	if m.notice != "" { // the device was just removed; the notes say what to do about the config
		return ""
	}
	return fmt.Sprintf("Profile %s uses MFA device %s (%s), which %s does not have.", k.Source, k.Serial, from, m.user)
}

// purpose completes "kagi needs an MFA session …" on the code prompt (which names the device the code is from).
func (m *Model) purpose() string {
	if m.gate.Serial() == m.target {
		return "to remove this device"
	}
	return "to remove MFA device " + m.target
}

// question is the confirmation of a removal, with what it means under a forced-MFA policy.
func (m *Model) question() string {
	lead := fmt.Sprintf("Deactivate and delete MFA device %s of %s?", m.target, m.user)
	if m.action == actionReplace {
		lead = fmt.Sprintf("Replace MFA device %s of %s? kagi deactivates and deletes it, then sets up a new one.", m.target, m.user)
	}
	warn := " Until a new device is enabled, the account's MFA policy blocks everything except setting up MFA again: no roles, keys or password changes."
	if len(m.devices) > 1 {
		warn = " Your other MFA device keeps working."
	}
	answer := " y removes it, n keeps it."
	if m.action == actionReplace {
		answer = " y removes it and starts the set-up, n keeps it."
	}
	return lead + warn + answer
}

func (m *Model) resyncView() string {
	s := m.ctx.Styles
	lines := []string{
		m.para(s.Value, "Resynchronize MFA device "+m.target),
		m.para(s.Muted, "When its codes stop working (its clock drifted), enter two consecutive codes: the one your authenticator shows now, then the next one after it changes."),
		"",
		m.codes[0].View(s),
		m.codes[1].View(s),
		"",
	}
	if m.state == stateResyncing {
		lines = append(lines, m.spin.View()+" "+s.Muted.Render("Resynchronizing…"))
	} else if m.err != nil {
		lines = append(lines, m.errorLine())
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

func (m *Model) errorLine() string {
	if m.err == nil {
		return ""
	}
	return m.para(m.ctx.Styles.Error, "✗ "+sentence(m.err, m.target))
}

// kind names the sort of device by its serial: virtual devices and FIDO keys have ARNs, hardware TOTP tokens
// a plain serial number.
func kind(serial string) string {
	switch {
	case strings.Contains(serial, ":mfa/"):
		return "virtual"
	case strings.Contains(serial, ":u2f/"):
		return "security key"
	}
	return "hardware token"
}

// shorten keeps the end of a serial (the device name) when it is wider than w.
func shorten(serial string, w int) string {
	if len(serial) <= w {
		return serial
	}
	return "…" + serial[len(serial)-w+1:]
}

// para wraps text to the screen's width and styles each line, so no line is padded to the widest.
func (m *Model) para(st lipgloss.Style, text string) string {
	lines := strings.Split(ansi.Wrap(text, m.width(), ""), "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}

// width is the body's width (the root pads one column each side).
func (m *Model) width() int {
	if m.ctx.Width <= 0 {
		return 78
	}
	return max(m.ctx.Width-2, 20)
}
