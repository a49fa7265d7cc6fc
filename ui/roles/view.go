package roles

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/kagi-cli/kagi/ui/common"
)

// View implements common.Screen.
func (m *Model) View() string {
	s := m.c.Styles
	var b strings.Builder
	b.WriteString(s.PanelHead.Render("Role profiles") + "\n")
	b.WriteString(s.Muted.Render("Sessions are cached: one MFA code opens them all for hours.") + "\n\n")
	switch {
	case !m.loaded:
		b.WriteString(s.Muted.Render("Reading your AWS config…") + "\n")
	case len(m.rows) == 0 && m.err == nil:
		b.WriteString(s.Warn.Render("No role profiles yet.") + " " +
			s.Muted.Render("Add a profile with role_arn and source_profile to your AWS config.") + "\n")
	default:
		b.WriteString(m.table())
	}
	b.WriteString("\n")
	switch m.state {
	case stateWorking:
		b.WriteString(m.spinner.View() + " " + s.Value.Render(m.workingText()) + "\n")
	case stateCode:
		b.WriteString(m.codeView())
	}
	w := 78 // lines wrap inside the App margin
	if m.c.Width > 0 {
		w = max(m.c.Width-2, 20)
	}
	if m.notice != "" {
		b.WriteString(s.OK.Width(w).Render("✓ "+m.notice) + "\n")
	}
	if m.err != nil {
		b.WriteString(s.Error.Width(w).Render("✗ "+sentence(m.err)) + "\n")
	}
	return s.App.Render(strings.TrimRight(b.String(), "\n"))
}

func (m *Model) table() string {
	s := m.c.Styles
	wp, wr := len("PROFILE"), len("ROLE")
	for _, r := range m.rows {
		wp, wr = max(wp, lipgloss.Width(r.Profile)), max(wr, lipgloss.Width(r.Role))
	}
	wp, wr = min(wp, 24), min(wr, 28)
	var b strings.Builder
	b.WriteString(s.Label.Render(fmt.Sprintf("  %-*s  %-*s  %s", wp, "PROFILE", wr, "ROLE", "SESSION")) + "\n")
	for i, r := range m.rows {
		line := fmt.Sprintf("%-*s  %-*s  ", wp, clip(r.Profile, wp), wr, clip(r.Role, wr))
		left := m.leftText(r)
		if i == m.cursor {
			b.WriteString(s.Selected.Render("> "+line) + left + "\n")
			continue
		}
		b.WriteString("  " + s.Value.Render(line) + left + "\n")
	}
	return b.String()
}

// leftText is a row's session column: the time left, or why there is none worth using.
func (m *Model) leftText(r row) string {
	s := m.c.Styles
	switch {
	case r.Expires.IsZero() || r.Left <= 0:
		return s.Muted.Render("no session")
	case r.Left <= m.window():
		return s.Warn.Render(Left(r.Left) + " left (renews on use)")
	}
	return s.OK.Render(Left(r.Left) + " left")
}

func (m *Model) workingText() string {
	if m.typed {
		return "Checking the code and assuming " + m.pending + "…"
	}
	return "Getting a session for " + m.pending + "…"
}

func (m *Model) codeView() string {
	s := m.c.Styles
	var b strings.Builder
	b.WriteString(s.Value.Render("MFA code for "+m.pending) + " " + s.Muted.Render("(device "+m.serial+")") + "\n")
	b.WriteString(m.input.View(s))
	if m.demo != "" {
		b.WriteString("   " + s.Demo.Render("demo authenticator:") + " " + s.Secret.Render(m.demo))
	}
	return b.String() + "\n"
}

// readyNotice is the line shown once a role session is ready.
func readyNotice(profile string, left time.Duration, cached bool) string {
	how := "ready"
	if cached {
		how = "already cached"
	}
	return fmt.Sprintf("%s: role session %s, %s left; press s for a shell with it.", profile, how, Left(left))
}

// Left formats a session's remaining time: "42m", "3h05m".
func Left(d time.Duration) string {
	d = d.Truncate(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// sentence is the one line shown for err; kagi's own "just used" diagnosis reads better than its wrapping.
func sentence(err error) string {
	if errors.Is(err, common.ErrMFACodeJustUsed) { // the engine's wrapping adds nothing here
		return common.Sentence(common.ErrMFACodeJustUsed)
	}
	return common.Sentence(err)
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
