package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	exitAbort = 130 // the user pressed Ctrl+C, as shells report SIGINT
)

// app is what every command shares: the process's streams and environment, and the global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            awsx.Env
	// exec replaces the process with a command (kagi exec); tests substitute it.
	exec func(path string, argv, env []string) error

	settings  awsx.Settings
	debug     bool
	debugFile string
	debugLog  *awsx.DebugLog
	closers   []io.Closer
}

// usageError marks bad command-line input (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// run executes one kagi invocation and returns its exit code.
func run(ctx context.Context, args []string, a *app) int {
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	for _, c := range a.closers {
		_ = c.Close()
	}
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	if code == exitAbort {
		fmt.Fprintln(a.stderr, "kagi: aborted.")
		return code
	}
	a.debugLog.Printf("error: %v", err)
	fmt.Fprintln(a.stderr, "kagi: "+message(err))
	if code == exitUsage {
		fmt.Fprintln(a.stderr, "Run 'kagi --help' for usage.")
	}
	return code
}

func exitCode(ctx context.Context, err error) int {
	var ue usageError
	if errors.Is(err, errAborted) {
		return exitAbort
	}
	switch {
	case ctx.Err() != nil && errors.Is(err, context.Canceled), ctx.Err() != nil && awsx.Classify(err) == awsx.ClassCanceled:
		return exitAbort
	case errors.As(err, &ue), isCobraUsage(err):
		return exitUsage
	}
	return exitError
}

// isCobraUsage recognises cobra's own argument and flag errors, which it returns as plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "requires exactly", "bad flag syntax"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// message is the one sentence the user sees: AWS errors are humanized, others shown as they are.
func message(err error) string {
	var ue usageError
	if errors.As(err, &ue) && awsx.Classify(err) == awsx.ClassUnknown {
		return shortenEchoes(ue.err.Error())
	}
	return shortenEchoes(session.Explain(err))
}

// shortenEchoes keeps a sentence that echoes a very long input (a pasted file as a profile name) readable:
// in a sentence over 300 characters, every word over 80 characters keeps only its start and end.
func shortenEchoes(s string) string {
	if utf8.RuneCountInString(s) <= 300 {
		return s
	}
	words := strings.Split(s, " ")
	for i, w := range words {
		if r := []rune(w); len(r) > 80 {
			words[i] = string(r[:40]) + fmt.Sprintf("…(%d characters)…", len(r)-52) + string(r[len(r)-12:])
		}
	}
	return strings.Join(words, " ")
}

// setup runs before every command: it opens the debug log.
func (a *app) setup(cmd *cobra.Command) error {
	switch {
	case a.debugFile != "":
		f, err := os.OpenFile(a.debugFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open debug log: %w", err)
		}
		a.closers = append(a.closers, f)
		a.debugLog = awsx.NewDebugLog(f)
	case a.debug:
		a.debugLog = awsx.NewDebugLog(a.stderr)
	}
	a.debugLog.Printf("kagi %s (%s) %s", version, commit, cmd.CommandPath())
	return nil
}

// awsConfig resolves where and as whom to call AWS, for commands that call it.
func (a *app) awsConfig() (awsx.Config, error) {
	cfg, err := awsx.Resolve(a.settings, a.env)
	if err != nil {
		return awsx.Config{}, err
	}
	cfg.Debug = a.debugLog
	a.debugLog.Printf("profile %q region %s iam %q sts %q credentials from %s", cfg.Profile, cfg.Region, cfg.IAMEndpoint, cfg.STSEndpoint, cfg.CredentialSource)
	return cfg, nil
}
