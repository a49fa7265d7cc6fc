package accesskeys

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui/common"
)

// maxKeyAge is the age past which a key is flagged for rotation (the usual 90-day rule).
const maxKeyAge = 90

// View renders the screen body; the root draws the header and the help.
func (m *Model) View() string {
	switch m.state {
	case stateGate:
		return m.gate.View()
	case stateFailed:
		return m.errorLine()
	case stateConfirmRotate:
		return m.confirmRotateView()
	case stateRotating, stateConfirmOld:
		return m.rotationView()
	}
	return m.listView()
}

func (m *Model) listView() string {
	s := m.ctx.Styles
	lines := []string{s.Label.Render(fmt.Sprintf("  %-12s %-9s %-14s %s", "Access key", "Status", "Age", "Last used"))}
	for i, k := range m.list {
		lines = append(lines, m.row(i, k))
	}
	if len(m.list) == 0 && m.state != stateLoading {
		lines = append(lines, s.Muted.Render("  Your IAM user has no access keys."))
	}
	lines = append(lines, "")
	if sel, ok := m.selected(); ok && sel.ID == m.stored && m.state == stateList {
		lines = append(lines, m.para(s.Muted, "kagi signs with this key, so it is not deactivated or deleted here: rotate it."))
	}
	lines = append(lines, m.statusLines()...)
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

func (m *Model) row(i int, k awsx.AccessKey) string {
	s := m.ctx.Styles
	days := int(m.ctx.Clock().Sub(k.Created) / (24 * time.Hour))
	age := fmt.Sprintf("%-14s", plural(days, "day"))
	if days > maxKeyAge {
		age = s.Warn.Render(fmt.Sprintf("%-14s", plural(days, "day")+" ⚠"))
	}
	status := s.OK.Render(fmt.Sprintf("%-9s", k.Status))
	if !k.Active() {
		status = s.Muted.Render(fmt.Sprintf("%-9s", k.Status))
	}
	mark, id := "  ", s.Value.Render(fmt.Sprintf("%-12s", session.MaskKeyID(k.ID)))
	if i == m.cursor {
		mark, id = s.Selected.Render("› "), s.Selected.Render(fmt.Sprintf("%-12s", session.MaskKeyID(k.ID)))
	}
	line := mark + id + " " + status + " " + age + " " + s.Muted.Render(fmt.Sprintf("%-16s", lastUsed(k)))
	if k.ID == m.stored {
		line += " " + s.PanelHead.Render("kagi's key")
	}
	return line
}

func lastUsed(k awsx.AccessKey) string {
	switch {
	case !k.LastUsedAsked:
		return "u: look up"
	case k.LastUsedErr != "":
		return k.LastUsedErr
	case k.LastUsed == nil:
		return "never"
	}
	return k.LastUsed.UTC().Format("2006-01-02") + " " + k.LastService
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// statusLines are what the last action did, the reveal box, a pending confirmation or clean-up, and the error.
func (m *Model) statusLines() []string {
	s := m.ctx.Styles
	var lines []string
	if res := m.rotation.result; res != nil {
		lines = append(lines, m.para(s.OK, "✓ "+rotatedSentence(res)))
		for _, n := range res.Notes {
			lines = append(lines, m.para(s.Muted, asSentence(n)))
		}
	}
	if m.notice != "" {
		lines = append(lines, s.OK.Render("✓ "+m.notice))
	}
	if m.cleanup != nil {
		lines = append(lines, m.para(s.Warn, m.cleanupSentence()))
	}
	if m.canReveal && m.secret == nil {
		lines = append(lines, m.para(s.Muted, "The new secret is stored; press x to see it once, e.g. to copy it elsewhere."))
	}
	if m.secret != nil {
		box := s.Label.Render("Access key ID      ") + s.Secret.Render(m.secret.AccessKeyID) + "\n" +
			s.Label.Render("Secret access key  ") + s.Secret.Render(m.secret.SecretAccessKey) + "\n" +
			s.Muted.Render("Shown once: press x to hide it for good. kagi keeps it in the keyring.")
		lines = append(lines, s.Panel.Render(box))
	}
	if m.state == stateConfirmDelete {
		lines = append(lines, m.confirmDeleteLine())
	}
	switch {
	case m.state == stateLoading || m.state == stateWorking:
		lines = append(lines, m.spin.View()+" "+s.Muted.Render("Talking to AWS…"))
	case m.err != nil:
		lines = append(lines, m.errorLine())
	}
	return lines
}

func (m *Model) errorLine() string {
	if m.err == nil {
		return ""
	}
	return m.para(m.ctx.Styles.Error, "✗ "+common.Sentence(m.err))
}

func (m *Model) confirmDeleteLine() string {
	sel, _ := m.selected()
	what := "It is inactive"
	if sel.Active() {
		what = "It is active: anything still using it stops working"
	}
	return m.para(m.ctx.Styles.Warn, fmt.Sprintf("Delete access key %s? %s, and deleting cannot be undone.", session.MaskKeyID(sel.ID), what))
}

func (m *Model) confirmRotateView() string {
	s := m.ctx.Styles
	lines := []string{
		m.para(s.Value, fmt.Sprintf("Rotate the access key kagi stores for profile %s (%s):", m.source, session.MaskKeyID(m.stored))),
		"",
	}
	for i, step := range rotationSteps {
		lines = append(lines, s.Value.Render(fmt.Sprintf("  %d. %s", i+1, step.label)))
	}
	lines = append(lines, "", m.para(s.Muted, "kagi records each step: if anything fails, the stored key still works, "+
		"and the next rotation finishes or undoes this one. Press y to rotate, n to cancel."))
	return strings.Join(lines, "\n")
}

func (m *Model) rotationView() string {
	s := m.ctx.Styles
	lines := []string{s.Value.Render(fmt.Sprintf("Rotating the access key of profile %s", m.source)), ""}
	for i, step := range rotationSteps {
		switch {
		case i < m.rotation.reached:
			lines = append(lines, "  "+s.OK.Render("✓ "+step.label))
		case i == m.rotation.reached && m.state == stateRotating:
			lines = append(lines, "  "+m.spin.View()+" "+s.Value.Render(step.label))
		default:
			lines = append(lines, "  "+s.Muted.Render("· "+step.label))
		}
	}
	if m.rotation.note != "" {
		lines = append(lines, "", m.para(s.Muted, m.rotation.note))
	}
	if m.state == stateConfirmOld {
		lines = append(lines, "", m.para(s.Warn, fmt.Sprintf("Delete the old key %s now? It is inactive and kagi no longer "+
			"uses it; deleting cannot be undone. y deletes it, n keeps it inactive.", session.MaskKeyID(m.rotation.oldID))))
	}
	return strings.Join(lines, "\n")
}

func rotatedSentence(res *session.RotateResult) string {
	out := fmt.Sprintf("Rotated: kagi signs with %s for profile %s now; ", session.MaskKeyID(res.NewID), res.Profile)
	if res.OldDeleted {
		return out + "the old key " + session.MaskKeyID(res.OldID) + " is deleted."
	}
	return out + "the old key " + session.MaskKeyID(res.OldID) + " is inactive."
}

// cleanupSentence says which key to delete before rotating, with its status as listed now.
func (m *Model) cleanupSentence() string {
	for _, k := range m.list {
		if k.ID != m.stored {
			return fmt.Sprintf("Your IAM user already has 2 access keys, the most AWS allows: delete %s (%s) with d, then rotate again.",
				session.MaskKeyID(k.ID), strings.ToLower(k.Status))
		}
	}
	return common.Sentence(m.cleanup)
}

// asSentence turns one of Rotate's lower-case notes into a sentence.
func asSentence(note string) string {
	if note == "" {
		return ""
	}
	return strings.ToUpper(note[:1]) + strings.TrimSuffix(note[1:], ".") + "."
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
