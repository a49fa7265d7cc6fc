package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session"
)

func newSetupCmd(a *app) *cobra.Command {
	var (
		req          session.SetupRequest
		yes, dryRun  bool
		errNoConfirm = errors.New("no terminal to confirm on; pass --yes to write without asking, or --dry-run to only preview")
	)
	cmd := &cobra.Command{
		Use:   "setup PROFILE",
		Short: "Write a role profile and its credential_process profile into ~/.aws/config",
		Long: `Write two profiles into the AWS config file ($AWS_CONFIG_FILE, else ~/.aws/config):

  [profile PROFILE]        source_profile, role_arn, and mfa_serial and region when given
  [profile PROFILE-cli]    credential_process = kagi-credential-process PROFILE

so that 'aws --profile PROFILE-cli …' (and every SDK) gets the role's credentials from kagi, with one MFA
prompt per session. kagi shows the change as a diff and asks before writing (--yes does not ask). The file is
replaced atomically (mode 0600) after a copy of it is saved as CONFIG.kagi-backup; comments, order and every
other line stay as they were. A profile that already sets something different is left alone unless --force.
--source and --role-arn are asked for on the terminal when not given; --region sets the profiles' region.`,
		Example: `  kagi setup admin --source dev --role-arn arn:aws:iam::123456789012:role/iam-role-admin \
      --mfa-serial arn:aws:iam::123456789012:mfa/alice --region eu-west-1`,
		GroupID: "keys",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			req.Profile, req.Region = args[0], a.settings.Region
			if req.Source == "" || req.RoleARN == "" {
				t, err := openTerminal(ctx)
				if err != nil {
					return usagef("--source and --role-arn are required when there is no terminal to ask on")
				}
				for _, q := range []struct {
					v      *string
					prompt string
				}{{&req.Source, "Source profile (the IAM user whose access key starts the session): "},
					{&req.RoleARN, "Role ARN to assume (arn:aws:iam::ACCOUNT:role/NAME): "}} {
					if *q.v == "" {
						if *q.v, err = t.ask(ctx, q.prompt); err != nil {
							t.Close()
							return err
						}
					}
				}
				t.Close()
			}
			if err := req.Validate(); err != nil {
				return usageError{err}
			}
			path := session.ConfigPath(session.Env(a.env))
			plan, err := session.PlanSetup(path, req)
			if err != nil {
				return err
			}
			names := fmt.Sprintf("[profile %s] and [profile %s]", req.Profile, req.CLIProfile)
			if !plan.Changed() {
				_, err := fmt.Fprintf(a.stderr, "%s already has %s as asked; nothing to change.\n", path, names)
				return err
			}
			fmt.Fprint(a.stderr, plan.Diff())
			if dryRun {
				return nil
			}
			if !yes {
				t, err := openTerminal(ctx)
				if err != nil {
					return errNoConfirm
				}
				ok, err := t.confirm(ctx, "Write these changes to "+path+"?")
				t.Close()
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("left %s unchanged, as you did not answer y", path)
				}
			}
			if err := plan.Apply(); err != nil {
				return err
			}
			backup := ""
			if b := plan.Backup(); b != "" {
				backup = " (the previous version is in " + b + ")"
			}
			_, err = fmt.Fprintf(a.stderr, "Wrote %s to %s%s.\nTry it: aws sts get-caller-identity --profile %s\n", names, path, backup, req.CLIProfile)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Source, "source", "", "source_profile: the IAM user's profile (asked for when not given)")
	f.StringVar(&req.RoleARN, "role-arn", "", "ARN of the role to assume (asked for when not given)")
	f.StringVar(&req.MFASerial, "mfa-serial", "", "ARN of your MFA device (default: the source profile's, or the one kagi recorded)")
	f.StringVar(&req.CLIProfile, "cli-profile", "", "name of the credential_process profile (default PROFILE-cli)")
	f.BoolVar(&req.Force, "force", false, "replace settings of existing profiles that differ")
	f.BoolVarP(&yes, "yes", "y", false, "write without asking")
	f.BoolVar(&dryRun, "dry-run", false, "only show the change")
	return cmd
}
