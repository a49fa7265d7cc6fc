package password

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/kagi-cli/kagi/awsx"
)

// View renders the screen body; the root draws the header and the help.
func (m *Model) View() string {
	s := m.ctx.Styles
	switch m.state {
	case stateGate:
		return m.gate.View()
	case stateLoading:
		return m.spin.View() + " " + s.Muted.Render("Reading the account's password policy…")
	case stateDone:
		return s.OK.Render("✓ Your console password was changed.") + "\n" +
			m.para(s.Muted, "Sign in to the AWS console with the new password from now on.")
	case stateFailed:
		return m.errorLine()
	}
	return m.formView()
}

func (m *Model) formView() string {
	s := m.ctx.Styles
	lines := []string{m.para(s.Muted, policySummary(m.policy)), ""}
	for i := range m.fields {
		lines = append(lines, m.fields[i].View(s))
	}
	lines = append(lines, "")
	next, confirm := m.fields[fieldNew].Value(), m.fields[fieldConfirm].Value()
	for _, r := range awsx.CheckPassword(m.policy, next) {
		lines = append(lines, m.ruleLine(r.OK, r.Name))
	}
	lines = append(lines, m.ruleLine(next != "" && next == confirm, "both entries match"))
	if m.generated != "" {
		lines = append(lines, "")
		if m.revealed {
			lines = append(lines, s.Label.Render("Generated password: ")+s.Secret.Render(m.generated),
				m.para(s.Muted, "Store it in your password manager before you submit; kagi forgets it when you leave."))
		} else {
			lines = append(lines, s.Muted.Render("A generated password fills both fields; ctrl+r shows it."))
		}
	}
	lines = append(lines, "")
	if m.state == stateSaving {
		lines = append(lines, m.spin.View()+" "+s.Muted.Render("Changing your password…"))
	} else if m.err != nil {
		lines = append(lines, m.errorLine())
	}
	return strings.Join(lines, "\n")
}

func (m *Model) ruleLine(ok bool, name string) string {
	s := m.ctx.Styles
	if ok {
		return "  " + s.OK.Render("✓ "+name)
	}
	return "  " + s.Fail.Render("✗ "+name)
}

func (m *Model) errorLine() string {
	if m.err == nil {
		return ""
	}
	return m.para(m.ctx.Styles.Error, "✗ "+sentence(m.err))
}

// policySummary is one line on what the policy says beyond the rules ticked below it.
func policySummary(p awsx.PasswordPolicy) string {
	if !p.Present {
		return "The account sets no password policy; IAM's defaults apply."
	}
	var parts []string
	if p.MaxAge > 0 {
		parts = append(parts, fmt.Sprintf("passwords expire after %d days", p.MaxAge))
	}
	if p.ReusePrevention > 0 {
		parts = append(parts, fmt.Sprintf("your last %d passwords cannot be reused", p.ReusePrevention))
	}
	if len(parts) == 0 {
		return "The account's password policy:"
	}
	return "Account password policy: " + strings.Join(parts, "; ") + "."
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
