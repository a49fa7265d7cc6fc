package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/awsx"
	"github.com/kagi-cli/kagi/session"
)

func newGitCredentialsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "git-credentials",
		Short: "Manage your CodeCommit HTTPS Git credentials",
		Long: `Manage the HTTPS Git credentials (user name and password) of your IAM user for AWS CodeCommit.
IAM allows two per user, inactive ones included, and shows a password only when it creates or resets
one: kagi prints it once, on the terminal (stderr without one), or on stdout with --json for scripts.
Under a forced-MFA policy these calls need an MFA session: kagi asks for a code if none is cached.

  kagi git-credentials list
  kagi git-credentials create
  kagi git-credentials reset ACCA…        new password, same user name
  kagi git-credentials deactivate ACCA…   (activate turns it back on)
  kagi git-credentials delete ACCA…`,
		GroupID: "selfservice",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(newGitCredsListCmd(a), newGitCredsCreateCmd(a), newGitCredsResetCmd(a),
		newGitCredsStatusCmd(a, false), newGitCredsStatusCmd(a, true), newGitCredsDeleteCmd(a))
	return cmd
}

// gcProfile is the profile whose IAM user the self-service commands act for.
func (a *app) gcProfile() string {
	for _, p := range []string{a.settings.Profile, a.env("AWS_PROFILE")} {
		if p != "" {
			return p
		}
	}
	return "default"
}

// gcClient is an IAM client signing with the self-service credentials of the user's profile.
type gcClient struct {
	iam *iam.Client
	ss  *session.SelfService
	eng *session.Engine
}

func (a *app) gcOpen(ctx context.Context, f *sessionFlags) (*gcClient, error) {
	eng, err := a.engine(f)
	if err != nil {
		return nil, err
	}
	ss, err := eng.SelfService(ctx, a.gcProfile())
	if errors.Is(err, session.ErrAborted) {
		return nil, errAborted
	} else if err != nil {
		return nil, err
	}
	cfg, err := a.awsConfig()
	if err != nil {
		return nil, err
	}
	return &gcClient{iam: cfg.WithCredentials(ss.Creds, "self-service").IAM(), ss: ss, eng: eng}, nil
}

// explain turns an access denial without MFA, or a cached MFA session AWS says has expired, into what to do;
// other errors pass unchanged.
func (c *gcClient) explain(err error) error {
	err = c.eng.StaleSelfService(c.ss, err)
	if err != nil && !c.ss.MFA && awsx.Classify(err) == awsx.ClassAccessDenied {
		return fmt.Errorf("managing Git credentials was denied without MFA, and profile %s has no MFA device kagi knows of; "+
			"run 'kagi mfa register', or add mfa_serial to [profile %s] if you already have a device", c.ss.Profile, c.ss.Profile)
	}
	return err
}

func gcIDArg(args []string) (string, error) {
	id := strings.TrimSpace(args[0])
	if id == "" || strings.ContainsFunc(id, unicode.IsControl) || strings.ContainsAny(id, " /") {
		return "", usagef("%q is not a Git credential ID; 'kagi git-credentials list' shows them (ACCA…)", args[0])
	}
	return id, nil
}

func newGitCredsListCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List your CodeCommit Git credentials (never a password)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.gcOpen(cmd.Context(), &f)
			if err != nil {
				return err
			}
			creds, err := awsx.ListGitCredentials(cmd.Context(), c.iam, "")
			if err != nil {
				return c.explain(err)
			}
			if asJSON {
				return gcJSON(a.stdout, map[string]any{"service": awsx.GitServiceName, "credentials": creds})
			}
			if len(creds) == 0 {
				_, err := fmt.Fprintln(a.stderr, "You have no CodeCommit Git credentials; create one with 'kagi git-credentials create'.")
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tGIT USER NAME\tSTATUS\tCREATED")
			for _, g := range creds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cleanCell(g.ID), cleanCell(g.UserName), cleanCell(g.Status), g.Created.UTC().Format(time.DateOnly))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	f.register(cmd)
	return cmd
}

func newGitCredsCreateCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a Git credential and show its password once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := a.gcOpen(ctx, &f)
			if err != nil {
				return err
			}
			// CreateServiceSpecificCredential needs the user name, even for one's own user.
			user, err := c.iam.GetUser(ctx, &iam.GetUserInput{})
			if err != nil {
				return c.explain(err)
			}
			secret, err := awsx.CreateGitCredential(ctx, c.iam, aws.ToString(user.User.UserName))
			if err != nil {
				return c.explain(err)
			}
			return a.gcShowSecret(ctx, secret, "Created", asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the credential with its password as JSON on stdout (for scripts)")
	f.register(cmd)
	return cmd
}

func newGitCredsResetCmd(a *app) *cobra.Command {
	var (
		f      sessionFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "reset ID",
		Short: "Give a Git credential a new password and show it once (the old one stops working)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := gcIDArg(args)
			if err != nil {
				return err
			}
			c, err := a.gcOpen(cmd.Context(), &f)
			if err != nil {
				return err
			}
			secret, err := awsx.ResetGitCredential(cmd.Context(), c.iam, "", id)
			if err != nil {
				return c.explain(err)
			}
			return a.gcShowSecret(cmd.Context(), secret, "Reset", asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the credential with its new password as JSON on stdout (for scripts)")
	f.register(cmd)
	return cmd
}

func newGitCredsStatusCmd(a *app, active bool) *cobra.Command {
	var f sessionFlags
	use, short, done := "deactivate ID", "Deactivate a Git credential (Git stops accepting it until activated)", "Deactivated"
	if active {
		use, short, done = "activate ID", "Activate a deactivated Git credential", "Activated"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := gcIDArg(args)
			if err != nil {
				return err
			}
			c, err := a.gcOpen(cmd.Context(), &f)
			if err != nil {
				return err
			}
			if err := awsx.SetGitCredentialStatus(cmd.Context(), c.iam, "", id, active); err != nil {
				return c.explain(err)
			}
			_, err = fmt.Fprintf(a.stderr, "%s Git credential %s.\n", done, id)
			return err
		},
	}
	f.register(cmd)
	return cmd
}

func newGitCredsDeleteCmd(a *app) *cobra.Command {
	var (
		f   sessionFlags
		yes bool
	)
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a Git credential (cannot be undone)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := gcIDArg(args)
			if err != nil {
				return err
			}
			if !yes {
				t, err := openTerminal(ctx)
				if err != nil {
					return fmt.Errorf("no terminal to confirm on; run 'kagi git-credentials delete %s --yes'", id)
				}
				ok, err := t.confirm(ctx, "Delete Git credential "+id+"? Git clients using it stop working, and this cannot be undone.")
				_ = t.Close()
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("kept Git credential %s", id)
				}
			}
			c, err := a.gcOpen(ctx, &f)
			if err != nil {
				return err
			}
			if err := awsx.DeleteGitCredential(ctx, c.iam, "", id); err != nil {
				return c.explain(err)
			}
			_, err = fmt.Fprintf(a.stderr, "Deleted Git credential %s.\n", id)
			return err
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	f.register(cmd)
	return cmd
}

// gcShowSecret shows a new password exactly once: as JSON on stdout when asked, else on the terminal, else on
// stderr (never on stdout, which may be logged or piped).
func (a *app) gcShowSecret(ctx context.Context, s awsx.GitSecret, verb string, asJSON bool) error {
	if asJSON {
		return gcJSON(a.stdout, s)
	}
	msg := fmt.Sprintf("%s Git credential %s for CodeCommit (HTTPS).\n  User name: %s\n  Password:  %s\n"+
		"Store the password now: AWS shows it only this once (reset the credential if you lose it).\n",
		verb, s.ID, s.UserName, s.Password)
	var w io.Writer = a.stderr
	if t, err := openTerminal(ctx); err == nil {
		defer t.Close()
		w = t.rw
	}
	_, err := io.WriteString(w, msg)
	return err
}

func gcJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
