package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/kagi-cli/kagi/session/warm"
)

func newCredentialProcessCmd(a *app) *cobra.Command {
	var f sessionFlags
	cmd := &cobra.Command{
		Use:   "credential-process [PROFILE]",
		Short: "Print role credentials as the AWS CLI's credential_process expects (one JSON object)",
		Long: `Print short-lived credentials for PROFILE as one JSON object on stdout, the format of the AWS CLI's
credential_process. A cached session is printed without any network call; otherwise kagi asks for the
MFA code on the terminal (/dev/tty, never stdout), calls STS and caches the result.

In ~/.aws/config, give the AWS CLI its own profile, so it does not also try role_arn itself:

  [profile admin]            # kagi's: source_profile, role_arn, mfa_serial
  source_profile = dev
  role_arn = arn:aws:iam::123456789012:role/admin
  mfa_serial = arn:aws:iam::123456789012:mfa/alice

  [profile admin-cli]        # the AWS CLI's
  credential_process = kagi-credential-process admin

kagi-credential-process is the same command as a small binary that starts faster (it answers from the
kernel keyring and hands over to kagi when it has to ask); 'kagi credential-process admin' works too.`,
		GroupID: "sessions",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, err := a.profileArg(cmd, args)
			if err != nil {
				return err
			}
			_, res, err := a.credentials(cmd.Context(), &f, profile)
			if err != nil {
				warm.QueueFailed(time.Now()) // the calls queued behind this one give up instead of retrying in turn
				return err
			}
			_, err = a.stdout.Write(warm.ProcessOutput(res.Entry))
			return err
		},
	}
	f.register(cmd)
	return cmd
}
