package gitcreds

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// View renders the screen body; the root draws the header and the help.
func (m *Model) View() string {
	s := m.ctx.Styles
	var body string
	switch m.state {
	case stateGate:
		body = m.gate.View()
	case stateFailed:
		body = m.errorLine()
	}
	if body != "" {
		if m.secret != nil { // IAM showed it once: a failed reload must not hide it
			return m.secretBox() + "\n\n" + body
		}
		return body
	}
	lines := []string{s.Label.Render(fmt.Sprintf("  %-28s %-10s %-9s %s", "Git user name", "ID", "Status", "Created"))}
	for i, c := range m.list {
		lines = append(lines, m.row(i, c))
	}
	if len(m.list) == 0 && m.state != stateLoading {
		lines = append(lines, m.para(s.Muted, "  You have no CodeCommit Git credentials; press n to create one."))
	}
	lines = append(lines, "")
	if m.secret != nil {
		lines = append(lines, m.secretBox())
	}
	if m.notice != "" {
		lines = append(lines, m.para(s.OK, "✓ "+m.notice))
	}
	switch sel, _ := m.selected(); {
	case m.state == stateConfirmReset:
		lines = append(lines, m.para(s.Warn, fmt.Sprintf("Reset the password of %s? The current password stops working at once. y resets, n cancels.", label(sel))))
	case m.state == stateConfirmDelete:
		lines = append(lines, m.para(s.Warn, fmt.Sprintf("Delete %s? Git clients using it stop working, and deleting cannot be undone. y deletes, n cancels.", label(sel))))
	case m.state == stateLoading || m.state == stateWorking:
		lines = append(lines, m.spin.View()+" "+s.Muted.Render("Talking to AWS…"))
	case m.err != nil:
		lines = append(lines, m.errorLine())
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

func (m *Model) row(i int, c awsx.GitCredential) string {
	s := m.ctx.Styles
	mark, name := "  ", s.Value.Render(fmt.Sprintf("%-28s", c.UserName))
	if i == m.cursor {
		mark, name = s.Selected.Render("› "), s.Selected.Render(fmt.Sprintf("%-28s", c.UserName))
	}
	status := s.OK.Render(fmt.Sprintf("%-9s", c.Status))
	if c.Status != statusActive {
		status = s.Muted.Render(fmt.Sprintf("%-9s", c.Status))
	}
	return mark + name + " " + s.Muted.Render(fmt.Sprintf("%-10s", session.MaskKeyID(c.ID))) + " " + status + " " +
		s.Value.Render(c.Created.UTC().Format("2006-01-02"))
}

// secretBox shows the password IAM just returned, once.
func (m *Model) secretBox() string {
	s := m.ctx.Styles
	body := strings.Join([]string{
		s.Label.Render("Git user name  ") + s.Secret.Render(m.secret.UserName),
		s.Label.Render("Password       ") + s.Secret.Render(m.secret.Password),
		"",
		s.Warn.Render("Copy the password now: it is shown only once, and kagi does not keep it."),
		s.Muted.Render("Use both for HTTPS Git with CodeCommit in " + m.region() + "."),
	}, "\n")
	return s.Panel.Render(body)
}

func (m *Model) region() string {
	if m.ctx.AWS.Region != "" {
		return m.ctx.AWS.Region
	}
	return awsx.DefaultRegion
}

func (m *Model) errorLine() string {
	if m.err == nil {
		return ""
	}
	return m.para(m.ctx.Styles.Error, "✗ "+common.Sentence(m.err))
}

// para wraps text to the screen's width and styles each line, so no line is padded to the widest.
func (m *Model) para(st lipgloss.Style, text string) string {
	lines := strings.Split(m.wrap(text), "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}

// wrap fits text to the screen's width (the root pads one column each side).
func (m *Model) wrap(text string) string {
	width := m.ctx.Width - 2
	if m.ctx.Width <= 0 {
		width = 78
	}
	return ansi.Wordwrap(text, width, "")
}
