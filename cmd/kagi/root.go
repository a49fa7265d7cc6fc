package main

import (
	"github.com/spf13/cobra"
)

const rootLong = `kagi (鍵, "key") is a sudo for AWS: IAM self-service and MFA-gated role sessions
from the terminal.

  kagi exec admin -- terraform plan     run a command with the admin role (one MFA prompt, then cached)
  kagi add dev                          keep dev's access key in the OS keyring

Start with 'kagi' (the terminal UI) or 'kagi demo' (the same on a throwaway demo account).`

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "kagi",
		Short:         "A sudo for AWS: IAM self-service and MFA-gated role sessions",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.setup(cmd)
		},
		// Without a subcommand, kagi opens the terminal UI (tui.go).
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runTUI(cmd) },
	}
	f := root.PersistentFlags()
	f.StringVar(&a.settings.Profile, "profile", "", "AWS profile to use (default: $AWS_PROFILE or \"default\")")
	f.StringVar(&a.settings.Region, "region", "", "AWS region (default: $AWS_REGION, the profile's region, or us-east-1)")
	f.StringVar(&a.settings.EndpointURL, "endpoint-url", "", "send IAM and STS calls to this endpoint (e.g. kagi demo serve, moto, LocalStack)")
	f.BoolVar(&a.debug, "debug", false, "log AWS calls to stderr (secrets redacted)")
	f.StringVar(&a.debugFile, "debug-file", "", "write the debug log to this file instead of stderr (created 0600)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	root.AddGroup(&cobra.Group{ID: "sessions", Title: "Role sessions:"}, &cobra.Group{ID: "keys", Title: "Profiles and keys:"},
		&cobra.Group{ID: "identity", Title: "Identity:"}, &cobra.Group{ID: "selfservice", Title: "Self-service:"}, &cobra.Group{ID: "admin", Title: "Administration:"},
		&cobra.Group{ID: "demo", Title: "Demo:"})
	root.AddCommand(
		newVersionCmd(a),
		newWhoamiCmd(a),
		newDemoCmd(a),
		newCredentialProcessCmd(a),
		newAssumeCmd(a),
		newExecCmd(a),
		newExportCmd(a),
		newConsoleCmd(a),
		newAddCmd(a),
		newRemoveCmd(a),
		newImportCmd(a),
		newListCmd(a),
		newClearCmd(a),
		newGitCredentialsCmd(a),
		newDoctorCmd(a),
		newMFACmd(a),
		newPasswordCmd(a),
		newKeysCmd(a),
		newPolicyCmd(a),
		newSetupCmd(a),
	)
	root.AddCommand(newManCmd(a))
	addProfileCompletion(a, root)
	return root
}
