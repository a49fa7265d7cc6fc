package onboarding

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/kagi-cli/kagi/ui/common"
	"github.com/kagi-cli/kagi/ui/components/qr"
)

// Used until the root has reported the size. The root sets the context's Height to the lines left for the
// screen under its header and above its help line (22 of a 24-line terminal).
const defaultWidth, defaultHeight = 80, 22

const introText = "Your account requires MFA. kagi will create a virtual MFA device; scan the QR code " +
	"with your authenticator app, then enter two consecutive codes."

// View implements common.Screen.
func (m *Model) View() string {
	switch m.state {
	case stateIntro:
		return m.join(m.heading("Set up multi-factor authentication"), m.wrap(introText),
			m.wrap("You need an authenticator app on your phone or computer (for example Google Authenticator, "+
				"Microsoft Authenticator, 1Password or Authy)."), m.errLine(), m.muted("Press enter to start."))
	case stateCreating:
		return m.working("Creating your virtual MFA device…")
	case stateScan:
		before, after := m.scanSections()
		return m.withSetup(before, after, true)
	case stateCode1, stateCode2:
		before, after := m.codeSections()
		return m.withSetup(before, after, m.showSecret)
	case stateEnabling:
		return m.working("Enabling your MFA device…")
	case stateCode3:
		return m.join(m.s().OK.Render("✓ MFA device enabled"), m.heading("One more code to start your session"),
			m.wrap("Enter the next code your app shows; each code works only once."),
			m.codeLine("Code", 2), m.errLine(), m.demoPanel())
	case stateStarting:
		return m.working("Starting your MFA session…")
	case stateDone:
		return m.join(m.s().OK.Render("✓ MFA is set up"), m.field("User", m.user)+"\n"+m.field("Device", m.serial),
			m.wrap("Your MFA session has started. kagi asks for a code again only when it runs out."),
			m.muted("Press enter to continue to the dashboard."))
	case stateCancelling:
		return m.working("Cancelling: removing the unfinished MFA device…")
	case stateCancelled:
		return m.join(m.heading("MFA set-up cancelled"), m.s().Warn.Render(m.wrap(m.note)), m.muted("Press enter to go back."))
	}
	return ""
}

func (m *Model) scanSections() (before, after []string) {
	before = []string{m.heading("Add the new MFA device to your authenticator app")}
	if m.replaced != "" {
		before = append(before, m.s().Warn.Render(m.wrap("An unfinished device from an earlier attempt ("+m.replaced+") was replaced by this one.")))
	}
	after = []string{m.field("User", m.user) + "\n" + m.field("Device", m.serial), m.demoPanel(),
		m.muted("Press enter when your app shows a 6-digit code.")}
	return before, after
}

func (m *Model) codeSections() (before, after []string) {
	before = []string{m.heading("Enter two consecutive codes from your app")}
	after = []string{m.codeLine("Code 1", 0) + "\n" + m.codeLine("Code 2", 1),
		m.wrap("Enter the next code when it changes: the second code must be the one after the first."),
		m.errLine(), m.demoPanel()}
	return before, after
}

// withSetup joins before, the device's QR code or key (when show), and after.
func (m *Model) withSetup(before, after []string, show bool) string {
	if !show || m.enr == nil {
		return m.join(append(before, after...)...)
	}
	block := m.setupBlock(m.reserved(before, after))
	return m.join(append(append(before, block), after...)...)
}

// reserved counts the lines the screen uses besides the setup block, blank separators included.
func (m *Model) reserved(before, after []string) int {
	n := 0
	for _, s := range append(append([]string{}, before...), after...) {
		if s != "" {
			n += lipgloss.Height(s) + 1
		}
	}
	return n
}

// setupBlock is the QR code when it fits (with the key under it after 's'), else the key grouped in fours.
func (m *Model) setupBlock(reserved int) string {
	width, height := m.size()
	key := m.keyLines()
	keyHeight := lipgloss.Height(key) + 1
	if !m.showSecret {
		keyHeight = 0
	}
	if code, ok := qr.Render(m.enr.URI, width, height-reserved-keyHeight); ok {
		if m.showSecret {
			return code + "\n" + m.muted("Or type this key into the app:") + "\n" + key
		}
		return code
	}
	msg := "Type this key into your authenticator app (time-based, 6 digits):"
	if qw, qh, ok := qr.Measure(m.enr.URI); ok {
		msg = "The terminal is too small for the QR code (it needs " + missing(qh+reserved-height, qw-width) +
			"); enlarge it, or type this key into your authenticator app (time-based, 6 digits):"
	}
	return m.wrap(msg) + "\n" + key
}

// qrFits reports whether the scan view shows a QR code (so 's' has a key to reveal).
func (m *Model) qrFits() bool {
	if m.enr == nil {
		return false
	}
	qw, qh, ok := qr.Measure(m.enr.URI)
	if !ok {
		return false
	}
	before, after := m.scanSections()
	width, height := m.size()
	return qw <= width && qh <= height-m.reserved(before, after)
}

// missing says how much larger the terminal must be: "19 more lines", "19 more lines and 3 more columns".
func missing(lines, columns int) string {
	var parts []string
	if lines > 0 {
		parts = append(parts, fmt.Sprintf("%d more lines", lines))
	}
	if columns > 0 {
		parts = append(parts, fmt.Sprintf("%d more columns", columns))
	}
	if len(parts) == 0 {
		return "a little more room"
	}
	return strings.Join(parts, " and ")
}

// keyLines is the grouped key, eight groups to a line.
func (m *Model) keyLines() string {
	lines := strings.Split(wrap(m.enr.GroupedSecret(), 39), "\n")
	for i, l := range lines {
		lines[i] = "  " + m.s().Secret.Render(l)
	}
	return strings.Join(lines, "\n")
}

func (m *Model) demoPanel() string {
	if m.ctx.Demo == nil || m.serial == "" {
		return ""
	}
	code := m.demoCode
	if code == "" {
		code = "…"
	}
	body := m.s().Demo.Render("DEMO AUTHENTICATOR (demo only)") + "\n" +
		m.s().Label.Render("Current code: ") + m.s().Secret.Render(code) + "\n" +
		m.s().Muted.Render("A real app on your phone shows codes like this.")
	return m.s().Panel.Render(body)
}

// codeLine is a labelled code input; "›" marks the one that has focus.
func (m *Model) codeLine(label string, i int) string {
	marker := "  "
	if m.codes[i].focused {
		marker = m.s().Selected.Render("›") + " "
	}
	return marker + m.s().Label.Render(fmt.Sprintf("%-7s", label)) + " " + m.s().Value.Render(m.codes[i].View())
}

func (m *Model) working(text string) string {
	return m.join(m.spinner.View()+" "+text, m.errLine())
}

func (m *Model) errLine() string {
	if m.err == nil {
		return ""
	}
	return m.s().Error.Render(m.wrap("✗ " + sentence(m.err)))
}

func (m *Model) heading(s string) string { return m.s().PanelHead.Render(s) }
func (m *Model) muted(s string) string   { return m.s().Muted.Render(m.wrap(s)) }
func (m *Model) field(label, value string) string {
	return m.s().Label.Render(fmt.Sprintf("%-7s", label)) + " " + m.s().Value.Render(value)
}
func (m *Model) wrap(s string) string { w, _ := m.size(); return wrap(s, w) }
func (m *Model) s() *common.Styles    { return m.ctx.Styles }

// size is the usable width (a column of margin each side) and height.
func (m *Model) size() (width, height int) {
	width, height = m.ctx.Width, m.ctx.Height
	if width <= 0 {
		width = defaultWidth
	}
	if height <= 0 {
		height = defaultHeight
	}
	return max(width-2, 20), height
}

// join separates the non-empty sections by blank lines.
func (m *Model) join(sections ...string) string {
	out := sections[:0:0]
	for _, s := range sections {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n\n")
}

// wrap breaks s at spaces so no line is wider than width (a longer word stays whole).
func wrap(s string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(s) {
		w := lipgloss.Width(word)
		switch {
		case col == 0:
		case col+1+w > width:
			b.WriteByte('\n')
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += w
	}
	return b.String()
}
