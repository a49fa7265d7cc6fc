package common

import (
	"github.com/charmbracelet/lipgloss"
)

// Styles are built once from the renderer (which knows the output's colour profile and NO_COLOR) and
// used by every view; views never build styles themselves.
type Styles struct {
	App       lipgloss.Style
	Title     lipgloss.Style
	Subtitle  lipgloss.Style
	Panel     lipgloss.Style
	PanelHead lipgloss.Style
	Label     lipgloss.Style
	Value     lipgloss.Style
	Muted     lipgloss.Style
	OK        lipgloss.Style
	Warn      lipgloss.Style
	Fail      lipgloss.Style
	Error     lipgloss.Style
	Selected  lipgloss.Style
	Help      lipgloss.Style
	Demo      lipgloss.Style
	Secret    lipgloss.Style
}

// NewStyles builds the styles for r (lipgloss.NewRenderer(os.Stderr) in production; tests force ASCII).
func NewStyles(r *lipgloss.Renderer) *Styles {
	accent := lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9D8CFF"}
	muted := lipgloss.AdaptiveColor{Light: "#6B6B6B", Dark: "#8A8A8A"}
	return &Styles{
		App:       r.NewStyle().Padding(0, 1),
		Title:     r.NewStyle().Bold(true).Foreground(accent),
		Subtitle:  r.NewStyle().Foreground(muted),
		Panel:     r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(muted).Padding(0, 1),
		PanelHead: r.NewStyle().Bold(true),
		Label:     r.NewStyle().Foreground(muted),
		Value:     r.NewStyle(),
		Muted:     r.NewStyle().Foreground(muted),
		OK:        r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#1A7F37", Dark: "#3FB950"}),
		Warn:      r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"}),
		Fail:      r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"}),
		Error:     r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#CF222E", Dark: "#F85149"}).Bold(true),
		Selected:  r.NewStyle().Bold(true).Foreground(accent),
		Help:      r.NewStyle().Foreground(muted),
		Demo:      r.NewStyle().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#D29922"}),
		Secret:    r.NewStyle().Bold(true),
	}
}
