package main

import (
	"errors"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kagi-cli/kagi/session"
	"github.com/kagi-cli/kagi/ui"
	"github.com/kagi-cli/kagi/ui/common"
)

// runTUI opens the terminal UI for the profile of --profile, $AWS_PROFILE or "default".
func (a *app) runTUI(cmd *cobra.Command) error {
	if !a.terminal() {
		return usagef("kagi's terminal UI needs a terminal; use a subcommand (kagi --help)")
	}
	cfg, err := a.awsConfig()
	if err != nil {
		return err
	}
	eng, err := a.engine(&sessionFlags{window: 15 * time.Minute, sessionDuration: session.DefaultSessionDuration})
	if err != nil {
		return err
	}
	c := &common.Context{Profile: cfg.Profile, Engine: eng, AWS: cfg, Styles: tuiStyles(), Now: time.Now}
	return tuiError(ui.Run(cmd.Context(), c, common.ScreenDashboard))
}

// terminal reports whether the UI can run: it reads keys from stdin and draws on stderr.
func (a *app) terminal() bool {
	in, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return false
	}
	out, ok := a.stderr.(*os.File)
	return ok && term.IsTerminal(int(out.Fd()))
}

// tuiStyles are built for stderr, where the UI draws (its colour support, not stdout's), and the renderer
// becomes lipgloss's default, which the bubbles components' own styles use.
//
// Each renderer asks the terminal for its background colour (OSC 11) once, a round trip to the terminal and,
// on one that does not answer, termenv's 5-second timeout. bubbletea's package init has already asked on
// stdout (a workaround it keeps until v2), so when stdout is a terminal too, its answer is reused: the
// terminal is asked once, not twice, before the first frame.
func tuiStyles() *common.Styles {
	r := lipgloss.NewRenderer(os.Stderr)
	if term.IsTerminal(int(os.Stdout.Fd())) {
		r.SetHasDarkBackground(lipgloss.HasDarkBackground()) // cached since bubbletea's init: no new query
	}
	lipgloss.SetDefaultRenderer(r)
	return common.NewStyles(r)
}

// tuiError maps the program's end: a SIGINT the UI saw is the user aborting (exit 130); the context's
// cancellation is left for exitCode, which maps it the same way.
func tuiError(err error) error {
	if errors.Is(err, tea.ErrInterrupted) {
		return errAborted
	}
	return err
}
