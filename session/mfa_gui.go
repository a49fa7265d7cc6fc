package session

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// displayAvailable: a GUI can be shown (always on macOS; DISPLAY or WAYLAND_DISPLAY elsewhere; never on Windows,
// which has no dialog tool kagi knows).
func (c *Prompter) displayAvailable() bool {
	switch runtime.GOOS {
	case "darwin":
		return true
	case "windows":
		return false
	}
	return c.Env("DISPLAY") != "" || c.Env("WAYLAND_DISPLAY") != ""
}

// findGUI returns the first dialog tool found: zenity, kdialog, then osascript on macOS.
func (c *Prompter) findGUI(req TokenRequest) *guiSource {
	tools := []string{"zenity", "kdialog"}
	if runtime.GOOS == "darwin" {
		tools = append(tools, "osascript")
	}
	for _, tool := range tools {
		if path, err := c.LookPath(tool); err == nil {
			return &guiSource{tool: tool, path: path, req: req}
		}
	}
	return nil
}

// guiSource asks with a dialog box. A message for the user (rejected code, malformed input, spent code)
// goes above the question in the next dialog.
type guiSource struct {
	tool, path string
	req        TokenRequest
	started    bool
	notice     string
}

func (g *guiSource) code(ctx context.Context) (string, error) {
	if !g.started {
		g.started = true
		if g.req.Attempt > 1 {
			g.notice = rejectedText(g.req)
		}
	}
	for try := 1; ; try++ {
		text := fmt.Sprintf("MFA code for %s (%s):", clean(g.req.Profile), clean(g.req.Serial))
		if g.notice != "" {
			text = g.notice + "\n\n" + text
		}
		g.notice = ""
		out, err := g.ask(ctx, text)
		if err != nil {
			return "", err
		}
		code := strings.TrimSpace(out)
		why := malformed(code)
		if why == "" {
			return code, nil
		}
		if try == maxMalformed {
			return "", fmt.Errorf("no valid MFA code after %d tries (the last: %s); "+
				"an MFA code is the 6 digits the device shows", maxMalformed, why)
		}
		g.notice = "That is not a 6-digit code: " + why + "."
	}
}

// waiting: nothing is on screen while kagi waits, so the next dialog explains.
func (g *guiSource) waiting(time.Duration) {
	g.notice = "That code was just used; enter the next one."
}

// ask shows one dialog and returns what was entered. Cancel or closing the dialog is ErrAborted.
func (g *guiSource) ask(ctx context.Context, text string) (string, error) {
	var args []string
	switch g.tool {
	case "zenity": // --text is Pango markup with backslash escapes
		args = []string{"--entry", "--title", "kagi", "--text", zenityEscape(text)}
	case "kdialog":
		args = []string{"--title", "kagi", "--inputbox", text, ""}
	default: // osascript
		args = []string{"-e", `text returned of (display dialog "` + appleScriptEscape(text) +
			`" default answer "" with title "kagi")`}
	}
	cmd := exec.CommandContext(ctx, g.path, args...)
	var stdout, stderr limitedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr // GTK chatter on stderr stays out of the user's way
	cmd.WaitDelay = processWaitDrag
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", ctxAbort(ctx)
	}
	if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 &&
			(g.tool != "osascript" || strings.Contains(stderr.String(), "-128")) {
			return "", ErrAborted
		}
		msg := fmt.Sprintf("the %s dialog failed: %v", g.tool, err)
		if line := firstLine(stderr.String()); line != "" {
			msg += ": " + line
		}
		return "", errors.New(msg)
	}
	return stdout.String(), nil
}

func zenityEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func appleScriptEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}
