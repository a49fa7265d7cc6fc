package dashboard

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/ui/common"
)

const (
	maxRoleLines = 4  // role profiles listed in the panel before "+N more"
	twoColumns   = 64 // narrower terminals stack the panels
)

// View implements common.Screen. Panels use the full width (at 80 columns a user ARN just fits); the menu
// and hint get the usual one-column margin.
func (m *Model) View() string {
	s := m.c.Styles
	width := max(m.c.Width, 32)
	if m.c.Width == 0 {
		width = 80
	}
	var rows []string
	if width >= twoColumns {
		l, r := width/2, width-width/2
		rows = append(rows,
			m.pair(l, m.identityLines(l-4), r, m.mfaLines(r-4)),
			m.pair(l, m.rolesLines(l-4), r, m.checkLines(r-4)))
	} else {
		for _, lines := range [][]string{m.identityLines(width - 4), m.mfaLines(width - 4), m.rolesLines(width - 4), m.checkLines(width - 4)} {
			rows = append(rows, m.panel(width, lines))
		}
	}
	rows = append(rows, s.App.Render(m.menuView()))
	if h := m.hint(width - 2); h != "" {
		rows = append(rows, s.App.Render(h))
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

// pair draws two panels side by side, equally high.
func (m *Model) pair(lw int, left []string, rw int, right []string) string {
	for len(left) < len(right) {
		left = append(left, "")
	}
	for len(right) < len(left) {
		right = append(right, "")
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, m.panel(lw, left), m.panel(rw, right))
}

// panel draws lines in a bordered box w cells wide (border and padding included).
func (m *Model) panel(w int, lines []string) string {
	return m.c.Styles.Panel.Width(w - 2).Render(strings.Join(lines, "\n"))
}

// head is a panel's title, with the spinner while its load is in flight.
func (m *Model) head(title string, loading bool) string {
	h := m.c.Styles.PanelHead.Render(title)
	if loading {
		h += " " + m.spinner.View()
	}
	return h
}

func (m *Model) identityLines(w int) []string {
	s := m.c.Styles
	lines := []string{m.head("Identity", m.idLoading)}
	switch {
	case m.idErr != nil:
		return append(lines, s.Error.Width(w).Render("✗ "+common.Sentence(m.idErr)))
	case m.id == nil:
		return append(lines, s.Muted.Render("asking AWS…"))
	}
	return append(lines,
		s.Label.Render("account ")+s.Value.Render(m.id.Account),
		s.Value.Render(clip(m.id.ARN, w)))
}

func (m *Model) mfaLines(w int) []string {
	s := m.c.Styles
	lines := []string{m.head("MFA", m.idLoading)}
	switch {
	case m.id == nil && m.idErr == nil:
		lines = append(lines, s.Muted.Render("asking AWS…"))
	case m.id == nil:
		lines = append(lines, s.Muted.Render("unknown"))
	case len(m.id.MFADevices) == 0:
		lines = append(lines, s.Label.Render("device  ")+s.Fail.Render("none yet"))
	default:
		d := m.id.MFADevices[0]
		lines = append(lines, s.Label.Render("device  ")+s.OK.Render(clip(deviceName(d.SerialNumber), w-8)))
	}
	if m.local == nil || m.local.Serial == "" {
		return lines
	}
	if m.local.SessionLeft > 0 {
		return append(lines, s.Label.Render("session ")+s.OK.Render(left(m.local.SessionLeft)+" left"))
	}
	return append(lines, s.Label.Render("session ")+s.Muted.Render("none yet"))
}

func (m *Model) rolesLines(w int) []string {
	s := m.c.Styles
	lines := []string{m.head("Roles", m.localLoading)}
	switch {
	case m.localErr != nil:
		return append(lines, s.Error.Width(w).Render("✗ "+common.Sentence(m.localErr)))
	case m.local == nil:
		return append(lines, s.Muted.Render("reading your config…"))
	case len(m.local.Roles) == 0:
		return append(lines, s.Muted.Render("no role profiles"))
	}
	name := 0
	for _, r := range m.local.Roles {
		name = max(name, lipgloss.Width(r.Profile))
	}
	name = min(name, w/2)
	for i, r := range m.local.Roles {
		if i == maxRoleLines-1 && len(m.local.Roles) > maxRoleLines {
			return append(lines, s.Muted.Render(fmt.Sprintf("+%d more", len(m.local.Roles)-i)))
		}
		state := s.Muted.Render("no session")
		if r.Left > 0 {
			state = s.OK.Render(left(r.Left) + " left")
		}
		lines = append(lines, s.Value.Render(fmt.Sprintf("%-*s ", name, clip(r.Profile, name)))+state)
	}
	return lines
}

func (m *Model) checkLines(w int) []string {
	s := m.c.Styles
	lines := []string{m.head("Checklist", m.loading())}
	if len(m.checks) == 0 {
		return append(lines, s.Muted.Render("checking…"))
	}
	for _, c := range m.checks {
		text := c.Title
		if c.Detail != "" && lipgloss.Width(c.Title+": "+c.Detail) <= w-2 {
			text += ": " + c.Detail
		}
		lines = append(lines, m.mark(c.Status)+" "+s.Value.Render(clip(text, w-2)))
	}
	return lines
}

// mark is a check's status symbol.
func (m *Model) mark(st awsx.CheckStatus) string {
	s := m.c.Styles
	switch st {
	case awsx.CheckOK:
		return s.OK.Render("✓")
	case awsx.CheckWarn:
		return s.Warn.Render("!")
	case awsx.CheckFail:
		return s.Fail.Render("✗")
	}
	return s.Muted.Render("·")
}

func (m *Model) menuView() string {
	s := m.c.Styles
	var b strings.Builder
	for i := range menu {
		label := m.entry(i).label
		line := fmt.Sprintf("%-20s", label)
		switch {
		case !m.itemEnabled(i):
			b.WriteString("  " + s.Muted.Render(line+"  not in this build yet"))
		case i == m.cursor:
			b.WriteString(s.Selected.Render("> " + line))
		default:
			b.WriteString("  " + s.Value.Render(line))
		}
		if i == 0 && m.needsMFA() {
			b.WriteString(s.Warn.Render("  ← start here"))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// hint explains a new user's situation, else names the first thing to fix.
func (m *Model) hint(w int) string {
	s := m.c.Styles
	if m.needsMFA() {
		why := "No MFA device yet: the account's policy denies almost everything until you add one."
		if m.wired(common.ScreenOnboarding) {
			return s.Warn.Width(w).Render(why + " Choose Set up MFA.")
		}
		return s.Warn.Width(w).Render(why + " MFA set-up is not in this build yet.")
	}
	if fix := nextFix(m.checks); fix != "" {
		return s.Muted.Width(w).Render("Next: " + fix)
	}
	return ""
}

// deviceName is the name part of an MFA device ARN ("arn:aws:iam::1:mfa/alice" → "alice").
func deviceName(serial string) string {
	if i := strings.LastIndex(serial, "/"); i >= 0 {
		return serial[i+1:]
	}
	return serial
}

// left formats a remaining time: "42m", "11h59m".
func left(d time.Duration) string {
	d = d.Truncate(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// clip shortens s to n cells with an ellipsis.
func clip(s string, n int) string {
	if lipgloss.Width(s) <= n {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r))+1 > n {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
