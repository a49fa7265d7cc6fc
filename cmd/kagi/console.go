package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

func newConsoleCmd(a *app) *cobra.Command {
	var (
		f           sessionFlags
		printOnly   bool
		destination string
		duration    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "console PROFILE",
		Short: "Open the AWS console in your browser as PROFILE's role",
		Long: `Sign in to the AWS console with PROFILE's role session: kagi gets the role credentials (asking for the
MFA code if no session is cached), exchanges them at the federation endpoint for a sign-in link and opens
it in your browser. With --print, or when no browser can be opened, the link goes to stdout instead.
The link signs in without further checks for 15 minutes: treat it like a password.

  kagi console admin
  kagi console admin --print --destination https://console.aws.amazon.com/s3/`,
		GroupID: "sessions",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if u, err := url.Parse(destination); destination != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
				return usagef("--destination %q is not an https URL; use e.g. https://console.aws.amazon.com/s3/", destination)
			}
			if duration != 0 && (duration < 15*time.Minute || duration > 12*time.Hour) {
				return usagef("--duration %s must be between 15m and 12h", duration)
			}
			profile, err := a.profileArg(cmd, args)
			if err != nil {
				return err
			}
			eng, err := a.engine(&f)
			if err != nil {
				return err
			}
			chain, err := eng.Config.Chain(profile)
			if err != nil {
				return err
			}
			if chain[0].RoleARN == "" {
				return fmt.Errorf("the console needs a role profile; profile %s has no role_arn (use a profile with role_arn and source_profile = %s)", profile, profile)
			}
			if roles := countRoles(chain); duration != 0 && roles > 1 {
				return usagef("--duration cannot be used with profile %s: its role is reached by role chaining, for which AWS sets the console session length; leave out --duration", profile)
			}
			res, err := eng.Credentials(cmd.Context(), profile)
			if errors.Is(err, session.ErrAborted) {
				return errAborted
			}
			if err != nil {
				return err
			}
			cfg, err := a.awsConfig()
			if err != nil {
				return err
			}
			creds := aws.Credentials{AccessKeyID: res.Entry.AccessKeyID, SecretAccessKey: res.Entry.SecretAccessKey, SessionToken: res.Entry.SessionToken}
			signin, err := awsx.ConsoleSignInURL(cmd.Context(), &http.Client{Timeout: 30 * time.Second}, awsx.FederationURL(cfg.STSEndpoint), creds, destination, duration)
			if err != nil {
				return err
			}
			if printOnly {
				_, err := fmt.Fprintln(a.stdout, signin)
				return err
			}
			if err := browserFrom(cmd.Context())(cmd.Context(), a.env, signin); err != nil {
				if _, werr := fmt.Fprintln(a.stdout, signin); werr != nil {
					return werr
				}
				fmt.Fprintf(a.stderr, "kagi: no browser could be opened (%v); open the link above within 15 minutes.\n", err)
				return nil
			}
			fmt.Fprintf(a.stderr, "Opened the AWS console as profile %s in your browser (role session until %s).\n", profile, res.Entry.Expires.Local().Format("15:04"))
			return nil
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&printOnly, "print", false, "print the sign-in link instead of opening a browser")
	fl.StringVar(&destination, "destination", "", "console page to land on (default "+awsx.DefaultConsoleDestination+")")
	fl.DurationVar(&duration, "duration", 0, "console session length, 15m to 12h (default: the federation endpoint's, 12h at AWS)")
	return cmd
}

func countRoles(chain []*session.Profile) int {
	n := 0
	for _, p := range chain {
		if p.RoleARN != "" {
			n++
		}
	}
	return n
}

// browserOpener opens url in the user's browser.
type browserOpener func(ctx context.Context, env awsx.Env, url string) error

type browserCtxKey struct{}

// withBrowser makes console under ctx open links with open (tests); by default the system's opener runs.
func withBrowser(ctx context.Context, open browserOpener) context.Context {
	return context.WithValue(ctx, browserCtxKey{}, open)
}

func browserFrom(ctx context.Context) browserOpener {
	if open, ok := ctx.Value(browserCtxKey{}).(browserOpener); ok && open != nil {
		return open
	}
	return openSystemBrowser
}

// openSystemBrowser runs open (macOS), rundll32 (Windows) or xdg-open (elsewhere, with a display). The
// opener's own output is discarded: stdout is kagi's data. An opener still running after a few seconds
// (some start the browser in the foreground) is left running and counts as success.
func openSystemBrowser(ctx context.Context, env awsx.Env, link string) error {
	var argv []string
	switch runtime.GOOS {
	case "darwin":
		argv = []string{"open", link}
	case "windows":
		argv = []string{"rundll32", "url.dll,FileProtocolHandler", link}
	default:
		if env("DISPLAY") == "" && env("WAYLAND_DISPLAY") == "" {
			return errors.New("no display: neither DISPLAY nor WAYLAND_DISPLAY is set")
		}
		argv = []string{"xdg-open", link}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("%s is not installed", argv[0])
	}
	c := exec.Command(path, argv[1:]...)
	// nil: /dev/null, so no pipe is left for a browser the opener starts to keep open
	c.Stdin, c.Stdout, c.Stderr = nil, nil, nil
	if err := c.Start(); err != nil {
		return fmt.Errorf("%s: %v", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s failed: %v", argv[0], err)
		}
		return nil
	case <-time.After(5 * time.Second):
		return nil
	case <-ctx.Done():
		return nil
	}
}
